"""The knowledge base: the bank's vetted answers to everyday questions, one content file per topic
(data/knowledge/<area>/<id>.yml, both languages), owned by the content team.

- `topics`: the content model (pydantic) and the loader;
- `check`: the content check (`python -m bot knowledge check`, and tests/unit/test_knowledge_check.py);
- `render`: facts written the customer's way, and an answer filled with them;
- `importer`: Rasa's training reads the topics through it (config.yml `importers:`): each topic's
  questions become examples of the retrieval intent `faq/<id>`, its answer the response `utter_faq/<id>`;
- `selector`: the NLU component that picks the topic of a `faq` message (config.yml).

docs/knowledge-base.md is the content team's guide.
"""
