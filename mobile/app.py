"""The Kivy App: builds the patient session and the screen manager, moves between screens, runs
network work off the UI thread, and shows in-app notifications. Screens hold the rest."""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import NumericProperty, StringProperty
from kivy.utils import escape_markup
from kivy.uix.screenmanager import NoTransition, ScreenManager, SlideTransition

from mobile.platform import default_data_dir, launch_link, platform_name
from mobile.platform.notifications import notifier_for_platform
from mobile.screens import SCREENS
from mobile.screens.widgets import load_kv
from mobile.services.api_client import ApiError, server_url_from_env
from mobile.services.session import PatientSession
from mobile.services.token_store import token_store_for
from shared.contract.patients import Platform

log = logging.getLogger(__name__)
NOTIFICATION_POLL_SECONDS = 30
SCHEDULE_REFRESH_SECONDS = 6 * 3600


class FollicleApp(App):
    title = "Follicle"
    icon = str(Path(__file__).with_name("data") / "icon.png")
    banner_text = StringProperty("")
    # bumped on the UI thread whenever the upload queue changes; screens bind to it
    uploads_version = NumericProperty(0)

    def __init__(
        self,
        *,
        data_dir: Path | None = None,
        server_url: str | None = None,
        camera=None,
        notifier=None,
        http_transport=None,
        animate: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._data_dir = data_dir
        self._server_url = server_url or server_url_from_env()
        self._camera = camera
        self._notifier = notifier
        self._http_transport = http_transport
        self._animate = animate
        self._workers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="follicle-net")
        self._uploads_changed = Clock.create_trigger(self._bump_uploads, 0.1)
        self.session: PatientSession | None = None
        self.manager: ScreenManager | None = None

    # building

    def build(self):
        load_kv(__file__)
        platform = platform_name()
        data_dir = self.data_dir
        self.notifier = self._notifier or notifier_for_platform(platform)
        self.session = PatientSession(
            data_dir,
            server_url=self._server_url,
            tokens=token_store_for(data_dir, platform=platform),
            notifier=self.notifier,
            platform=Platform(platform) if platform in ("android", "ios") else Platform.DESKTOP,
            http_transport=self._http_transport,
            on_upload_change=lambda key: self._uploads_changed(),
        )
        root = Factory.AppRoot()
        self.manager = root.ids.screens
        self.manager.transition = SlideTransition(duration=0.18) if self._animate else NoTransition()
        self.go("home" if self.session.enrolled else "enrol")
        return root

    @property
    def data_dir(self) -> Path:
        if self._data_dir is None:
            configured = os.environ.get("FOLLICLE_APP_DATA_DIR")
            self._data_dir = Path(configured) if configured else (default_data_dir() or Path(self.user_data_dir))
        self._data_dir.mkdir(parents=True, exist_ok=True)
        return self._data_dir

    @property
    def camera(self):
        if self._camera is None:
            from mobile.platform.camera import camera_for_platform

            self._camera = camera_for_platform()
        return self._camera

    def on_start(self) -> None:
        if self.session.enrolled:
            self.session.start_uploads()
            self.refresh_reminders()
        elif (link := launch_link()) is not None:
            self.screen("enrol").connect(link)
        Clock.schedule_interval(lambda dt: self.show_due_notifications(), NOTIFICATION_POLL_SECONDS)
        Clock.schedule_interval(lambda dt: self.refresh_reminders(), SCHEDULE_REFRESH_SECONDS)

    def on_stop(self) -> None:
        self._workers.shutdown(wait=False, cancel_futures=True)
        if self.session is not None:
            self.session.close()

    # moving between screens

    def screen(self, name: str):
        """The screen called `name`, created (module imported, kv loaded) the first time."""
        if not self.manager.has_screen(name):
            module_name, class_name = SCREENS[name].split(":")
            screen_class = getattr(importlib.import_module(module_name), class_name)
            self.manager.add_widget(screen_class(name=name))
        return self.manager.get_screen(name)

    def go(self, name: str, **arguments: Any) -> None:
        screen = self.screen(name)
        if arguments:
            screen.prepare(**arguments)
        self.manager.current = name

    # work off the UI thread

    def run_in_background(
        self,
        work: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[ApiError], None] | None = None,
    ) -> None:
        """Run `work` in a worker thread; its result (or ApiError) comes back on the UI thread."""

        def run() -> None:
            try:
                result = work()
            except ApiError as error:
                if on_error is not None:
                    Clock.schedule_once(lambda dt, failure=error: on_error(failure))
                else:
                    log.warning("background work failed: %s", error)
                return
            except Exception:
                log.exception("background work crashed")
                return
            if on_done is not None:
                Clock.schedule_once(lambda dt, answer=result: on_done(answer))

        self._workers.submit(run)

    def _bump_uploads(self, dt: float) -> None:
        self.uploads_version += 1

    # reminders and in-app notifications

    def refresh_reminders(self) -> None:
        if self.session is None or not self.session.enrolled:
            return
        self.run_in_background(self.session.sync_reminders, lambda result: self.show_due_notifications())

    def show_due_notifications(self, now: datetime | None = None) -> None:
        """Desktop: reminders whose time has come show as a banner (each once)."""
        if self.session is None or not getattr(self.notifier, "shows_in_app", False):
            return
        due = self.session.schedule.take_due(now or datetime.now(UTC))
        if due:
            bodies = list(dict.fromkeys(escape_markup(n.body) for n in due))[:3]  # several at once: one banner
            title = escape_markup(due[0].title)
            self.show_banner("\n".join([f"[b]{title}[/b]", *bodies, "[size=13sp](tap to close)[/size]"]))

    def show_banner(self, text: str) -> None:
        self.banner_text = text

    def dismiss_banner(self) -> None:
        self.banner_text = ""
