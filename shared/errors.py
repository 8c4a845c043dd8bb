"""Stable error codes and the one error hierarchy used by the backend and the app.

The backend maps each error class to an HTTP status in one place (backend/errors.py);
the app maps each code to words a patient understands (mobile/messages.py).
Codes are part of the API contract: never rename one, only add.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    # request shape
    VALIDATION_FAILED = "validation_failed"
    MALFORMED_JSON = "malformed_json"
    UNKNOWN_FIELD = "unknown_field"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    CONTROL_CHARACTER = "control_character"  # NUL or another control character in text
    METHOD_NOT_ALLOWED = "method_not_allowed"  # the address exists; `Allow` lists its methods
    # identity
    NOT_AUTHENTICATED = "not_authenticated"
    INVALID_CREDENTIALS = "invalid_credentials"
    TOKEN_REVOKED = "token_revoked"
    FORBIDDEN = "forbidden"
    CSRF_FAILED = "csrf_failed"
    RATE_LIMITED = "rate_limited"
    # two-factor sign-in (staff)
    SECOND_FACTOR_REQUIRED = "second_factor_required"  # the password was right: now a code
    SECOND_FACTOR_INVALID = "second_factor_invalid"  # a wrong code, or one already used
    RECOVERY_CODE_USED = "recovery_code_used"
    TWO_FACTOR_ENROLMENT_REQUIRED = "two_factor_enrolment_required"  # the clinic requires it
    TWO_FACTOR_ALREADY_ON = "two_factor_already_on"
    TWO_FACTOR_NOT_ON = "two_factor_not_on"  # the admin must have it before requiring it
    STEP_UP_REQUIRED = "step_up_required"  # a fresh code before this export
    # staff accounts
    STAFF_LINK_INVALID = "staff_link_invalid"
    STAFF_LINK_EXPIRED = "staff_link_expired"
    STAFF_LINK_USED = "staff_link_used"
    LAST_ADMIN = "last_admin"  # the clinic's last active admin cannot be demoted or deactivated
    STAFF_INACTIVE = "staff_inactive"
    # enrolment
    INVITE_INVALID = "invite_invalid"
    INVITE_EXPIRED = "invite_expired"
    INVITE_USED = "invite_used"
    INVITE_REVOKED = "invite_revoked"
    # records
    NOT_FOUND = "not_found"
    RECORD_NUMBER_TAKEN = "record_number_taken"
    EMAIL_TAKEN = "email_taken"
    INVALID_STATE = "invalid_state"
    # photos
    VIEW_NOT_IN_PROTOCOL = "view_not_in_protocol"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    PHOTO_TOO_LARGE = "photo_too_large"
    PHOTO_EMPTY = "photo_empty"
    PHOTO_NOT_UPLOADED = "photo_not_uploaded"
    PHOTO_SIZE_MISMATCH = "photo_size_mismatch"
    PHOTO_CHECKSUM_MISMATCH = "photo_checksum_mismatch"
    PHOTO_NOT_AN_IMAGE = "photo_not_an_image"
    PHOTO_CORRUPT = "photo_corrupt"
    PHOTO_TOO_MANY_PIXELS = "photo_too_many_pixels"
    PHOTO_TOO_SMALL = "photo_too_small"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    UPLOAD_URL_INVALID = "upload_url_invalid"
    # reports
    SYMPTOM_UNKNOWN = "symptom_unknown"
    ANSWER_OFF_SCALE = "answer_off_scale"
    SEVERITY_OUT_OF_RANGE = "severity_out_of_range"
    QUESTION_UNKNOWN = "question_unknown"
    ANSWERS_INCOMPLETE = "answers_incomplete"
    QUESTIONNAIRE_VERSION_UNKNOWN = "questionnaire_version_unknown"
    QUESTIONNAIRE_ALREADY_ANSWERED = "questionnaire_already_answered"
    INJECTION_NOT_GIVEN = "injection_not_given"
    # records that leave Follicle
    EXPORT_NOT_READY = "export_not_ready"
    EXPORT_EXPIRED = "export_expired"
    EXPORT_LINK_INVALID = "export_link_invalid"
    EXPORT_LINK_EXPIRED = "export_link_expired"
    EXPORT_LINK_USED = "export_link_used"
    # patient profile and outcomes
    GRADE_OFF_SCALE = "grade_off_scale"
    FILTER_VALUE_UNKNOWN = "filter_value_unknown"
    DATE_RANGE_BACKWARDS = "date_range_backwards"
    DISCLOSURE_BELOW_FLOOR = "disclosure_below_floor"
    # ratings
    SCORE_OUT_OF_RANGE = "score_out_of_range"
    RATING_TOKEN_UNKNOWN = "rating_token_unknown"
    ROUND_CLOSED = "round_closed"
    NO_ELIGIBLE_PAIRS = "no_eligible_pairs"
    NO_RESEARCH_CONSENT = "no_research_consent"
    RATER_NOT_ELIGIBLE = "rater_not_eligible"
    CHANGE_REASON_REQUIRED = "change_reason_required"
    NOTHING_TO_UNDO = "nothing_to_undo"
    RESULTS_AFTER_QUEUE = "results_after_queue"
    KEY_BLINDED = "key_blinded"
    NOT_A_RATER = "not_a_rater"
    NOTHING_TO_PUBLISH = "nothing_to_publish"
    RATERS_STILL_RATING = "raters_still_rating"
    ROUND_PUBLISHED = "round_published"
    CONSENSUS_BLINDED = "consensus_blinded"
    # marketing consent and before/after images
    NO_MARKETING_CONSENT = "no_marketing_consent"
    PHOTOS_NOT_COMPARABLE = "photos_not_comparable"
    CONSENT_FORM_INVALID = "consent_form_invalid"
    # the coverage index
    COVERAGE_METHOD_UNKNOWN = "coverage_method_unknown"

    # the network (registry): between a clinic's server and the registry, a phone never meets these
    SIGNATURE_INVALID = "signature_invalid"  # not signed by the key of a clinic in the network
    SUBMISSION_REPLAYED = "submission_replayed"  # older than the clinic's last message
    CLINIC_LEFT_NETWORK = "clinic_left_network"
    DISCLOSURE_FAILED = "disclosure_failed"  # a figure from fewer patients than may leave a clinic
    NOT_IN_NETWORK = "not_in_network"  # the clinic has not joined (or has left) the network
    REGISTRY_UNAVAILABLE = "registry_unavailable"  # the registry did not answer; the outbox retries

    # the long term: safety check-ins, why patients stop, courses
    SAFETY_CHECK_IN_NOT_OPEN = "safety_check_in_not_open"
    STOP_REASON_UNKNOWN = "stop_reason_unknown"
    COURSE_GAP_OUT_OF_RANGE = "course_gap_out_of_range"
    # infrastructure
    STORE_UNAVAILABLE = "store_unavailable"
    DATABASE_UNAVAILABLE = "database_unavailable"
    AUDIT_UNAVAILABLE = "audit_unavailable"  # the audit event could not be written, so nothing was shown
    INTERNAL_ERROR = "internal_error"  # a fault on our side, never expected: it is logged


class FollicleError(Exception):
    """Base of every error Follicle reports to a caller: a stable code and a clear message."""

    default_code: ErrorCode = ErrorCode.VALIDATION_FAILED

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode | None = None,
        details: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = details or {}
        self.retry_after = retry_after


class InvalidInput(FollicleError):
    default_code = ErrorCode.VALIDATION_FAILED


class PayloadTooLarge(FollicleError):
    default_code = ErrorCode.PAYLOAD_TOO_LARGE


class UnsupportedMedia(FollicleError):
    default_code = ErrorCode.UNSUPPORTED_MEDIA_TYPE


class NotAuthenticated(FollicleError):
    default_code = ErrorCode.NOT_AUTHENTICATED


class Forbidden(FollicleError):
    default_code = ErrorCode.FORBIDDEN


class NotFound(FollicleError):
    default_code = ErrorCode.NOT_FOUND


class Conflict(FollicleError):
    default_code = ErrorCode.INVALID_STATE


class Gone(FollicleError):
    """The thing existed but can no longer be used (an expired or used invite)."""

    default_code = ErrorCode.INVITE_EXPIRED


class RateLimited(FollicleError):
    default_code = ErrorCode.RATE_LIMITED


class Unavailable(FollicleError):
    """A dependency (store, database) is down; the caller should retry after `retry_after` s."""

    default_code = ErrorCode.STORE_UNAVAILABLE


class AuditUnavailable(Unavailable):
    """The audit trail could not be written: the read or change it records is refused (503)."""

    default_code = ErrorCode.AUDIT_UNAVAILABLE
