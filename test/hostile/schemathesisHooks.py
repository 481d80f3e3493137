# A check of our own for schemathesis (loaded through SCHEMATHESIS_HOOKS by test/hostile/schemathesis.test.ts).
#
# positive_data_acceptance lets a valid request be refused with 422, because a rule the document cannot state (two
# fields that disagree, a plan that does not exist) answers 422 with its own code (see schemathesis.toml). This check
# keeps the part of it that matters for the document: a request generated to match the document is never refused as
# VALIDATION_FAILED, the code that says the request does not match the schema. Such a refusal means the document and
# the validation disagree, and one of them is wrong for a client generated from the document.
import schemathesis
from schemathesis.generation.modes import GenerationMode


@schemathesis.check
def validation_agrees_with_the_document(ctx, response, case):
    meta = case.meta
    if meta is None or meta.generation.mode != GenerationMode.POSITIVE or response.status_code != 422:
        return None
    try:
        body = response.json()
    except Exception:
        return None
    if isinstance(body, dict) and body.get("code") == "VALIDATION_FAILED":
        raise AssertionError(
            "A request valid by the document was refused as VALIDATION_FAILED: the document and the validation "
            f"disagree ({body.get('detail')}; {body.get('errors')})"
        )
    return None
