"""Tasks: a domain's workflows instantiated on concrete rows as requests of several kinds
(complete, refuse, decline, lookup, multi_request sessions), with gold actions and an admission gate."""
from .build import PERSONAS
from .make import anchor_rows, instantiate, make_tasks
from .model import KINDS, Ambiguity, Decline, GoldAction, Refusal, Task
from .replay import replay_workflow, resolve_args

__all__ = ["KINDS", "PERSONAS", "Ambiguity", "Decline", "GoldAction", "Refusal", "Task", "anchor_rows",
           "instantiate", "make_tasks", "replay_workflow", "resolve_args"]
