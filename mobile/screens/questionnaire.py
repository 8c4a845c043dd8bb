"""The periodic self-assessment (shared/questionnaire.py): each question on its 7-point scale."""

from __future__ import annotations

import uuid

from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from mobile.screens.widgets import Choice, FollicleScreen, load_kv
from mobile.services.api_client import ApiError
from mobile.services.reports import self_assessment_due
from shared.contract.reports import QuestionnaireSubmit
from shared.questionnaire import Question, questionnaire, questions_asked

load_kv(__file__)


class QuestionCard(BoxLayout):
    question_id = StringProperty("")
    wording = StringProperty("")
    number = StringProperty("")
    answer = NumericProperty(None, allownone=True)
    points = ListProperty([])

    def on_kv_post(self, base_widget) -> None:
        for value, label in self.points:
            choice = Choice(text=label, value=value, group=f"question-{self.question_id}")
            choice.bind(on_release=lambda c: setattr(self, "answer", c.value))
            self.ids.choices.add_widget(choice)

    def on_answer(self, card, answer) -> None:
        for choice in self.ids.choices.children:
            choice.state = "down" if choice.value == answer else "normal"


class QuestionnaireScreen(FollicleScreen):
    intro = StringProperty("")
    status = StringProperty("")
    status_kind = StringProperty("info")
    answered = NumericProperty(0)
    total = NumericProperty(0)
    sending = BooleanProperty(False)
    due = BooleanProperty(False)

    def on_kv_post(self, base_widget) -> None:
        self._version = 0
        self._key: uuid.UUID | None = None

    def on_pre_enter(self, *args) -> None:
        self.status, self.status_kind = "", "info"
        self.intro = "Looking for your questions..."
        self.app.run_in_background(self.app.session.api.questions_due, self._found, self._failed)

    def _found(self, due_questions) -> None:
        cards = self.ids.questions
        cards.clear_widgets()
        due = self_assessment_due(due_questions)
        self.due = due is not None
        if due is None:
            self.intro = "No questions for you right now. We will remind you when the next ones are due, every three months."
            self.total = 0
            return
        self._version = due.questionnaire_version or 1
        self._key = None
        asked = questions_asked(self._version, due.checkin_month or 0)
        wanted = set(due.question_ids) or {q.id for q in asked}
        self.intro = questionnaire(self._version).intro
        chosen = [q for q in asked if q.id in wanted]
        for number, question in enumerate(chosen, start=1):
            card = _card(question, number, len(chosen))
            card.bind(answer=lambda *a: self._count())
            cards.add_widget(card)
        self.total = len(chosen)
        self._count()

    def _count(self) -> None:
        self.answered = sum(1 for card in self.ids.questions.children if card.answer is not None)

    def send(self) -> None:
        if self.sending or self.answered < self.total or not self.total:
            return
        self._key = self._key or uuid.uuid4()
        answers = {card.question_id: int(card.answer) for card in self.ids.questions.children}
        submit = QuestionnaireSubmit(idempotency_key=self._key, version=self._version, answers=answers)
        self.sending = True
        self.app.run_in_background(lambda: self.app.session.api.submit_questionnaire(submit), self._sent, self._failed)

    def _sent(self, answer) -> None:
        self.sending = False
        self.due = False
        self.status_kind = "success"
        self.status = "Thank you. Your answers are with your clinic."
        self.ids.questions.clear_widgets()
        self.total = 0
        self.ids.page.parent.scroll_y = 1

    def _failed(self, error: ApiError) -> None:
        self.sending = False
        self.status_kind = "error"
        self.status = error.patient_text


def _card(question: Question, number: int, total: int) -> QuestionCard:
    return QuestionCard(
        question_id=question.id,
        wording=question.wording,
        number=f"Question {number} of {total}",
        points=[(point.value, point.label[0].upper() + point.label[1:]) for point in reversed(question.scale.points)],
    )
