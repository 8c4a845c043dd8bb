"""Side effects after an injection: each symptom on the 0-3 scale of shared/symptoms.py, when it
started, whether medical care was needed, and the patient's own words."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from mobile.screens.widgets import FollicleScreen, load_kv
from mobile.services.api_client import ApiError
from mobile.services.home_summary import local_today
from mobile.services.reports import injection_to_report, started_on
from shared.contract.reports import SideEffectReportCreate, SymptomSeverity
from shared.symptoms import MEDICAL_CARE_QUESTION, SYMPTOMS

load_kv(__file__)


class SymptomCard(BoxLayout):
    symptom = StringProperty("")
    question = StringProperty("")
    hint = StringProperty("")
    severity = NumericProperty(0)


class SideEffectsScreen(FollicleScreen):
    about = StringProperty("")
    status = StringProperty("")
    status_kind = StringProperty("info")
    can_send = BooleanProperty(False)
    sending = BooleanProperty(False)
    started_days = NumericProperty(0)
    medical_care = BooleanProperty(False)
    medical_care_question = StringProperty(MEDICAL_CARE_QUESTION)

    def on_kv_post(self, base_widget) -> None:
        for info in SYMPTOMS:
            self.ids.symptoms.add_widget(SymptomCard(symptom=info.id.value, question=info.question, hint=info.hint))
        self._session_id: uuid.UUID | None = None
        self._key: uuid.UUID | None = None

    def on_pre_enter(self, *args) -> None:
        self.status, self.status_kind = "", "info"
        self.can_send = False
        self.about = "Finding your last injection..."
        api = self.app.session.api
        self.app.run_in_background(lambda: (api.questions_due(), api.my_injections()), self._found, self._failed)

    def _found(self, answers) -> None:
        due, injections = answers
        session = injection_to_report(due, injections)
        if session is None:
            self.about = "There is no injection to report on yet. After your first one, you can tell us here how you feel."
            return
        me = self.app.session.cached_me()
        zone = me.timezone if me else "UTC"
        when = session.scheduled_at.astimezone(ZoneInfo(zone))
        self.about = f"About your injection on {when:%a} {when.day} {when:%b} ({session.product or 'treatment'}). Tell us about anything you have noticed since, even if it is nothing."
        if self._session_id != session.id:
            self._key = None
        self._session_id = session.id
        self.can_send = True

    def send(self) -> None:
        if self._session_id is None or self.sending:
            return
        me = self.app.session.cached_me()
        today = local_today(me.timezone if me else "UTC", datetime.now(UTC))
        self._key = self._key or uuid.uuid4()  # kept until it succeeds, so a retry is the same report
        report = SideEffectReportCreate(
            idempotency_key=self._key,
            injection_session_id=self._session_id,
            started_on=started_on(today, int(self.started_days)),
            symptoms=[
                SymptomSeverity(symptom=card.symptom, severity=int(card.severity))
                for card in reversed(self.ids.symptoms.children)
            ],
            notes=self.ids.notes.text.strip()[:4000],
            needed_medical_care=self.medical_care,
        )
        self.sending = True
        self.app.run_in_background(lambda: self.app.session.api.report_side_effects(report), self._sent, self._failed)

    def _sent(self, answer) -> None:
        self.sending = False
        self._key = None
        self._clear_form()  # sent: a new report starts blank
        if answer.clinic_alerted:
            self.status_kind = "warning"
            self.status = (
                "Thank you. Because this sounds serious, your clinic has been alerted and will contact you. "
                "If you feel very unwell, call your doctor or the emergency services now."
            )
        else:
            self.status_kind = "success"
            self.status = "Thank you. Your clinic has your report."
        self.ids.page.parent.scroll_y = 1

    def _clear_form(self) -> None:
        for card in self.ids.symptoms.children:
            card.severity = 0
        self.ids.notes.text = ""
        self.started_days = 0
        self.medical_care = False

    def _failed(self, error: ApiError) -> None:
        self.sending = False
        self.status_kind = "error"
        self.status = error.patient_text
        self.ids.page.parent.scroll_y = 1
