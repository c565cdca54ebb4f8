"""Documents flowing into the pipeline, and what stage 1 and any stage say about them."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Document(BaseModel):
    """One unit of input text. `source` and `license` are carried from the record untouched."""

    id: str
    text: str
    title: str = ""
    source: str = ""
    license: str = ""
    meta: dict[str, Any] = Field(default_factory=dict)


class Verdict(BaseModel):
    """Stage 1's judgement: does the document describe a procedure an assistant could carry out?

    `labels` holds at least `domain` (banking, retail, airline, telecom, health, software, home,
    general, ...) and `category` (account, payment, order, booking, troubleshooting, how-to,
    policy, reference, ...).
    """

    id: str
    relevant: bool
    score: float = Field(ge=0.0, le=1.0)
    reason: str
    labels: dict[str, str] = Field(default_factory=dict)


class Rejection(BaseModel):
    """A document (or input line) dropped at some stage, kept with why."""

    id: str
    stage: str
    reason: str
    detail: dict[str, Any] = Field(default_factory=dict)
