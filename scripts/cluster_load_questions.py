"""What the simulated patients of the fault test ask, in turn (scripts/locustfile_cluster.py).

Apart from the locustfile so that scripts/fault_test.py can read it without
importing locust, which patches the standard library (gevent) on import.
"""

CONVERSATION = (
    "what is igrt",
    "how does the imaging work",
    "what are the side effects for the chest",
    "is that permanent?",
    "who is the radiation oncologist",
    "how should I prepare",
    "what happens in each session",
    "what are the benefits",
    "can it cause a second cancer",
    "thank you",
)

# The failure notices of the channels and of nginx (domain.yml
# utter_channel_failure, utter_channel_unavailable): not an answer.
NOT_AN_ANSWER = ("temporarily unavailable", "went wrong")
