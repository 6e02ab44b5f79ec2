"""Request handling helpers, written the way they often are (LK001)."""

from collections import defaultdict


def collect_errors(response, errors=[]):
    """Appends the response's errors to `errors` and returns it."""
    if response.get("error"):
        errors.append(response["error"])
    return errors


def count_by_status(responses, counts=defaultdict(int)):
    for response in responses:
        counts[response["status"]] += 1
    return counts


# A lambda has no body to hold the `is None` check: reported, not fixed.
remember = lambda request, seen=set(): seen.add(request["id"]) or seen
