"""The names the layers share: paths, age bands, the request flows' forms and slots, and the
intents more than one layer acts on. A leaf: it imports nothing from the project, so any
module may import it without pulling in the layers above (tests/test_layers.py).
"""

from pathlib import Path

# --- paths -------------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parent.parent
CONTENT_DIR = ROOT / "content"
VAR_DIR = ROOT / "var"  # databases, keys and reports: this machine's, never committed
MODELS_DIR = ROOT / "models"

# --- age bands, as the bot stores them in the `age_band` slot ------------------------------
AGE_BAND_SLOT = "age_band"
BANDS = ("up_to_11", "12_15", "16_18", "18_plus")
# Care leavers (18+) are answered from the 16-18 promises: the strategy has no set for them.
PROMISE_BAND = {"up_to_11": "up_to_11", "12_15": "12_15", "16_18": "16_18", "18_plus": "16_18"}

# --- the request flows (domain.yml's forms; their questions are in content/flows.yml) -------
FLOW_OF_FORM = {"complaint_form": "complaint", "advocacy_form": "advocacy", "social_worker_form": "social_worker"}
FREE_TEXT_SLOTS = ("complaint_about", "complaint_outcome", "advocacy_help_with", "sw_message")
SHORT_TEXT_SLOTS = ("known_name", "contact_detail")
IDENTITY_SLOTS = SHORT_TEXT_SLOTS + ("contact_preference",)  # who the child is, and how to reach them
CONFIRM_SLOT = "confirm_request"

# --- analytics: what the tracker store adds to each event it publishes (bot.store.topic_broker)
TURN_KEY = "promisebot_turn"

# --- intents the NLU components, the actions and the store all act on ---------------------
DISCLOSURE_INTENT = "safeguarding_disclosure"
CHECK_IN_INTENT = "safeguarding_check_in"
PAST_INTENT = "safeguarding_past"
ASKING_PREFIX = "topic_sg_"  # questions about a safeguarding topic: topic_sg_grooming, ...

# --- the safeguarding counts staff see -----------------------------------------------------
# Each safeguarding answer sets this slot to what it counts; the event broker counts it once the
# turn is stored (bot.store.topic_broker). A count is a kind the detector named, or one of these:
# a disclosure only the classifier heard, a check-in, a short reply after either taken as not safe.
SAFEGUARDING_COUNT_SLOT = "safeguarding_counted"
COUNT_UNNAMED_KIND, COUNT_CHECK_IN, COUNT_FOLLOW_UP = "classifier", "check_in", "follow_up"
