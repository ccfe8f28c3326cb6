"""The conversation's language helpers, used by the action server.

- ``escalation``: how heated a message is (scoring); ``escalation_lexicon``: its words,
  compiled from ``content/escalation.yml``.
- ``coaching``: questions about meaning told apart from graphic or comparing ones.
- ``timeparse``: "in 30 minutes", "at 8pm", "tomorrow morning" read as moments.
"""
