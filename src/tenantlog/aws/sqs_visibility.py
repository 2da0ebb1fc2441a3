"""What SQS allows and answers when a message's visibility is changed or its receipt used.

SQS hides a message at most 12 hours after the ReceiveMessage request that
got it, and refuses any change that would hide it longer. It answers
InvalidParameterValue both for that and for a receipt that is no longer
current, so the two are told apart by the parameter its message names.
"""

from __future__ import annotations

import math

from tenantlog.aws.clients import error_code, error_message

#: SQS's longest visibility, and the most a message is hidden after the receive that got it.
MAX_VISIBILITY = 43200

#: Errors of a receipt that is no longer current: the message was deleted or received
#: again since. The Queue interface says such a receipt is ignored.
STALE_RECEIPT = frozenset(
    {"ReceiptHandleIsInvalid", "MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight"}
)


def whole_seconds(value: float) -> int:
    """SQS's whole seconds, rounded up so a message is never visible before it was meant to be."""
    return max(0, min(MAX_VISIBILITY, math.ceil(value)))


def seconds_left(received_at: float, now: float) -> int:
    """Whole seconds a message may still be hidden, counted from before its receive was sent.

    SQS starts the 12 h when the request reaches it, later than ``received_at``:
    so this is never more than SQS allows.
    """
    return max(0, math.floor(MAX_VISIBILITY - (now - received_at)))


def stale(cause: BaseException | None) -> bool:
    """Whether SQS refused a receipt that is no longer current (deleted or received again).

    For such a receipt SQS may answer InvalidParameterValue: "Value … for
    parameter ReceiptHandle is invalid. Reason: Message does not exist or is
    not available for visibility timeout change." (or "…The receipt handle has
    expired."). The same code for the 12 h ceiling names VisibilityTimeout.
    """
    code = error_code(cause)
    if code == "InvalidParameterValue":
        return "parameter ReceiptHandle" in error_message(cause)
    return code in STALE_RECEIPT


def beyond_ceiling(cause: BaseException | None) -> bool:
    """Whether SQS refused a visibility change for the 12 h ceiling.

    Its words: "Value 43200 for parameter VisibilityTimeout is invalid. Reason:
    Total VisibilityTimeout for the message is beyond the limit [43200 seconds]".
    No value sent is above 43200, so this is the only VisibilityTimeout refusal.
    """
    code = error_code(cause)
    return code == "InvalidParameterValue" and "parameter VisibilityTimeout" in error_message(cause)
