"""Words a patient understands for each stable error code from `shared.errors`.

The backend's own messages are written for staff and developers; a patient at home sees these.
"""

from __future__ import annotations

from shared.errors import ErrorCode

OFFLINE = "You seem to be offline. Your photos are safe on this phone and will upload when you are back online."
SERVER_TROUBLE = "The clinic's service is having trouble. Please try again in a few minutes."
UNEXPECTED = "Something went wrong. Please try again, and contact your clinic if it keeps happening."

PATIENT_MESSAGES: dict[ErrorCode, str] = {
    ErrorCode.VALIDATION_FAILED: "Something in the form is not quite right. Please check it and try again.",
    ErrorCode.MALFORMED_JSON: UNEXPECTED,
    ErrorCode.UNKNOWN_FIELD: "Please update the app: this version is out of date.",
    ErrorCode.PAYLOAD_TOO_LARGE: "That is too much to send at once. Please shorten it.",
    ErrorCode.CONTROL_CHARACTER: "Some of the text has characters that cannot be sent. Please retype it.",
    ErrorCode.METHOD_NOT_ALLOWED: "Please update the app: this version is out of date.",
    ErrorCode.NOT_AUTHENTICATED: "This phone is no longer connected to your clinic. Please enrol again with a new code.",
    ErrorCode.INVALID_CREDENTIALS: "This phone is no longer connected to your clinic. Please enrol again with a new code.",
    ErrorCode.TOKEN_REVOKED: "Your clinic has disconnected this phone. Ask them for a new code to enrol again.",
    ErrorCode.FORBIDDEN: "This is not available from the app. Please contact your clinic.",
    ErrorCode.CSRF_FAILED: UNEXPECTED,
    ErrorCode.RATE_LIMITED: "Too many tries. Please wait a few minutes and try again.",
    ErrorCode.INVITE_INVALID: "That code is not right. Check it against the card from your clinic and try again.",
    ErrorCode.INVITE_EXPIRED: "This code has expired. Ask your clinic for a new one.",
    ErrorCode.INVITE_USED: "This code has already been used. Ask your clinic for a new one.",
    ErrorCode.INVITE_REVOKED: "This code was cancelled by your clinic. Ask them for a new one.",
    ErrorCode.NOT_FOUND: "We could not find that. It may have been removed by your clinic.",
    ErrorCode.RECORD_NUMBER_TAKEN: UNEXPECTED,
    ErrorCode.EMAIL_TAKEN: UNEXPECTED,
    ErrorCode.INVALID_STATE: "That cannot be done right now. Please refresh and try again.",
    ErrorCode.VIEW_NOT_IN_PROTOCOL: "Your clinic does not take this photo any more. You can skip it.",
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: "This kind of picture cannot be sent. Please take the photo with the app.",
    ErrorCode.PHOTO_TOO_LARGE: "This photo is too large to send. Please take it again with the app.",
    ErrorCode.PHOTO_EMPTY: "This photo is empty. Please take it again.",
    ErrorCode.PHOTO_NOT_UPLOADED: "The photo did not reach the clinic yet. The app will send it again.",
    ErrorCode.PHOTO_SIZE_MISMATCH: "The photo was damaged on the way. The app will send it again.",
    ErrorCode.PHOTO_CHECKSUM_MISMATCH: "The photo was damaged on the way. The app will send it again.",
    ErrorCode.PHOTO_NOT_AN_IMAGE: "This file is not a photo. Please take the photo again with the app.",
    ErrorCode.PHOTO_CORRUPT: "This photo is damaged. Please take it again.",
    ErrorCode.PHOTO_TOO_MANY_PIXELS: "This photo is too large to process. Please take it again with the app.",
    ErrorCode.PHOTO_TOO_SMALL: "This photo is too small to show your hair. Please use the main camera.",
    ErrorCode.IDEMPOTENCY_CONFLICT: "This photo was already sent with different details. Please take it again.",
    ErrorCode.UPLOAD_URL_INVALID: "The upload link ran out. The app will ask for a new one.",
    ErrorCode.SYMPTOM_UNKNOWN: "Please update the app: this version does not know that symptom.",
    ErrorCode.ANSWER_OFF_SCALE: "One of the answers is outside the scale. Please check your answers.",
    ErrorCode.SEVERITY_OUT_OF_RANGE: "Please choose how bad each symptom is: none, mild, moderate or severe.",
    ErrorCode.QUESTION_UNKNOWN: "Please update the app: the questions have changed.",
    ErrorCode.ANSWERS_INCOMPLETE: "Please answer every question before sending.",
    ErrorCode.QUESTIONNAIRE_VERSION_UNKNOWN: "Please update the app: the questions have changed.",
    ErrorCode.QUESTIONNAIRE_ALREADY_ANSWERED: "You have already answered these questions. Thank you!",
    ErrorCode.INJECTION_NOT_GIVEN: "That injection has not been recorded as given yet, so there is nothing to report for it.",
    ErrorCode.EXPORT_NOT_READY: "Your data is still being prepared. Please wait a moment.",
    ErrorCode.EXPORT_EXPIRED: "That copy of your data has been removed. Ask for a new one.",
    ErrorCode.EXPORT_LINK_INVALID: "That download link is not valid. Ask for your data again.",
    ErrorCode.EXPORT_LINK_EXPIRED: "That download link has run out. Tap the button again for a new one.",
    ErrorCode.EXPORT_LINK_USED: "That download link was already used. Tap the button again for a new one.",
    # staff-only (rating rounds): a phone never meets these
    ErrorCode.SCORE_OUT_OF_RANGE: UNEXPECTED,
    ErrorCode.RATING_TOKEN_UNKNOWN: UNEXPECTED,
    ErrorCode.ROUND_CLOSED: UNEXPECTED,
    ErrorCode.NO_ELIGIBLE_PAIRS: UNEXPECTED,
    ErrorCode.NO_RESEARCH_CONSENT: UNEXPECTED,
    ErrorCode.RATER_NOT_ELIGIBLE: UNEXPECTED,
    ErrorCode.CHANGE_REASON_REQUIRED: UNEXPECTED,
    ErrorCode.NOTHING_TO_UNDO: UNEXPECTED,
    # staff-only (patient profile, outcomes filters): a phone never meets these
    ErrorCode.GRADE_OFF_SCALE: UNEXPECTED,
    ErrorCode.FILTER_VALUE_UNKNOWN: UNEXPECTED,
    ErrorCode.DATE_RANGE_BACKWARDS: UNEXPECTED,
    ErrorCode.DISCLOSURE_BELOW_FLOOR: UNEXPECTED,
    ErrorCode.RESULTS_AFTER_QUEUE: UNEXPECTED,
    ErrorCode.KEY_BLINDED: UNEXPECTED,
    ErrorCode.NOTHING_TO_PUBLISH: UNEXPECTED,
    ErrorCode.RATERS_STILL_RATING: UNEXPECTED,
    ErrorCode.ROUND_PUBLISHED: UNEXPECTED,
    ErrorCode.CONSENSUS_BLINDED: UNEXPECTED,
    ErrorCode.NOT_A_RATER: UNEXPECTED,
    # staff-only codes: a patient's phone never meets them
    ErrorCode.SECOND_FACTOR_REQUIRED: UNEXPECTED,
    ErrorCode.SECOND_FACTOR_INVALID: UNEXPECTED,
    ErrorCode.RECOVERY_CODE_USED: UNEXPECTED,
    ErrorCode.TWO_FACTOR_ENROLMENT_REQUIRED: UNEXPECTED,
    ErrorCode.TWO_FACTOR_ALREADY_ON: UNEXPECTED,
    ErrorCode.TWO_FACTOR_NOT_ON: UNEXPECTED,
    ErrorCode.STEP_UP_REQUIRED: UNEXPECTED,
    ErrorCode.STAFF_LINK_INVALID: UNEXPECTED,
    ErrorCode.STAFF_LINK_EXPIRED: UNEXPECTED,
    ErrorCode.STAFF_LINK_USED: UNEXPECTED,
    ErrorCode.LAST_ADMIN: UNEXPECTED,
    ErrorCode.STAFF_INACTIVE: UNEXPECTED,
    ErrorCode.PHOTOS_NOT_COMPARABLE: UNEXPECTED,
    ErrorCode.CONSENT_FORM_INVALID: UNEXPECTED,
    ErrorCode.COVERAGE_METHOD_UNKNOWN: UNEXPECTED,
    ErrorCode.NO_MARKETING_CONSENT: "Your clinic cannot use these photos: your marketing consent does not cover them.",
    # the network: between the clinic's server and the registry
    ErrorCode.SIGNATURE_INVALID: UNEXPECTED,
    ErrorCode.SUBMISSION_REPLAYED: UNEXPECTED,
    ErrorCode.CLINIC_LEFT_NETWORK: UNEXPECTED,
    ErrorCode.DISCLOSURE_FAILED: UNEXPECTED,
    ErrorCode.NOT_IN_NETWORK: UNEXPECTED,
    ErrorCode.REGISTRY_UNAVAILABLE: SERVER_TROUBLE,

    ErrorCode.SAFETY_CHECK_IN_NOT_OPEN: "This safety check-in is closed or already answered. Thank you!",
    ErrorCode.STOP_REASON_UNKNOWN: UNEXPECTED,
    ErrorCode.COURSE_GAP_OUT_OF_RANGE: UNEXPECTED,
    ErrorCode.STORE_UNAVAILABLE: SERVER_TROUBLE,
    ErrorCode.DATABASE_UNAVAILABLE: SERVER_TROUBLE,
    ErrorCode.AUDIT_UNAVAILABLE: SERVER_TROUBLE,
    ErrorCode.INTERNAL_ERROR: SERVER_TROUBLE,
}


def patient_message(code: str | None) -> str:
    """The patient-facing sentence for an error code; a kind general one for codes this app does not know."""
    if code is None:
        return UNEXPECTED
    try:
        return PATIENT_MESSAGES[ErrorCode(code)]
    except ValueError:
        return UNEXPECTED
