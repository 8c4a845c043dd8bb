"""A safety check-in: "anything new since last time?" at a monthly check-in, or the photo-less
check-in 3, 6 and 12 months after a course. Yes opens the symptom list (shared/symptoms.py)."""

from __future__ import annotations

import uuid

from kivy.properties import BooleanProperty, StringProperty

from mobile.screens.side_effects import SymptomCard
from mobile.screens.widgets import Choice, FollicleScreen, load_kv
from mobile.services.api_client import ApiError
from shared.contract.long_term import SafetyAnswerCreate, SafetyQuestion, StopReasonCreate
from shared.contract.reports import SymptomSeverity
from shared.symptoms import MEDICAL_CARE_QUESTION, SYMPTOMS

load_kv(__file__)


class SafetyCheckInScreen(FollicleScreen):
    question = StringProperty("")
    status = StringProperty("")
    status_kind = StringProperty("info")
    anything_new = BooleanProperty(False)
    saw_doctor = BooleanProperty(False)
    can_send = BooleanProperty(False)
    sending = BooleanProperty(False)
    medical_care_question = StringProperty(MEDICAL_CARE_QUESTION)
    stop_question = StringProperty("")  # after a missed check-in: why the patient stopped, one tap

    def on_kv_post(self, base_widget) -> None:
        for info in SYMPTOMS:
            self.ids.symptoms.add_widget(SymptomCard(symptom=info.id.value, question=info.question, hint=info.hint))
        self._open: SafetyQuestion | None = None
        self._key: uuid.UUID | None = None

    def on_pre_enter(self, *args) -> None:
        self.status, self.status_kind, self.can_send = "", "info", False
        self.question = "Looking for your safety check-in..."
        self.app.run_in_background(self.app.session.api.safety_questions, self._found, self._failed)

    def _found(self, asked) -> None:
        self._show_stop_question(asked.stop_question)
        if not asked.questions:
            self._open = None
            self.question = "" if asked.stop_question else (
                "No safety check-in is waiting. Thank you: we will ask again after your next check-in."
            )
            return
        # the photo-less check-in after a course first: it is the one with nothing else to do
        self._open = sorted(asked.questions, key=lambda q: q.needs_photos)[0]
        self.question = self._open.question
        self.can_send = True

    def send(self) -> None:
        if self._open is None or self.sending:
            return
        self._key = self._key or uuid.uuid4()  # kept until it succeeds, so a retry is the same answer
        symptoms = [
            SymptomSeverity(symptom=card.symptom, severity=int(card.severity))
            for card in reversed(self.ids.symptoms.children) if card.severity
        ] if self.anything_new else []
        answer = SafetyAnswerCreate(
            idempotency_key=self._key, occasion=self._open.occasion.value, month=self._open.month,
            course_ends_on=self._open.course_ends_on, anything_new=self.anything_new, symptoms=symptoms,
            notes=self.ids.notes.text.strip()[:4000] if self.anything_new else "",
            saw_doctor=self.saw_doctor and self.anything_new,
        )
        self.sending = True
        self.app.run_in_background(lambda: self.app.session.api.answer_safety(answer), self._sent, self._failed)

    def _sent(self, answer) -> None:
        self.sending, self._key, self.can_send = False, None, False
        if answer.clinic_alerted:
            self.status_kind = "warning"
            self.status = (
                "Thank you. Because this sounds serious, your clinic has been alerted and will contact you. "
                "If you feel very unwell, call your doctor or the emergency services now."
            )
        else:
            self.status_kind = "success"
            self.status = "Thank you. Your clinic has your answer."
        self.ids.page.parent.scroll_y = 1

    def _show_stop_question(self, stop) -> None:
        box = self.ids.stop_reasons
        box.clear_widgets()
        self.stop_question = stop.question if stop else ""
        for reason, label in (stop.reasons.items() if stop else ()):
            button = Choice(text=label, group="stop-reason")
            button.reason = reason
            button.bind(on_release=lambda b: self.tell_stop_reason(b.reason))
            box.add_widget(button)

    def tell_stop_reason(self, reason: str) -> None:
        self.app.run_in_background(
            lambda: self.app.session.api.tell_stop_reason(StopReasonCreate(reason=reason)), self._told, self._failed
        )

    def _told(self, told) -> None:
        self._show_stop_question(None)
        self.status_kind = "success"
        self.status = f"Thank you for telling us ({told.label.lower()}). Your clinic will see it; you are welcome back any time."
        self.ids.page.parent.scroll_y = 1

    def _failed(self, error: ApiError) -> None:
        self.sending = False
        self.status_kind = "error"
        self.status = error.patient_text
