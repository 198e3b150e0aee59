"""Choices offered in the last reply on channels without buttons (SMS, speech).

When the engine offers choices ("Emma or Jonas?"), SMS lists them numbered and speech
listens for their titles; the answer ("2", "jonas") is turned back into the choice's payload.
Kept per process and per address for a short while: a lost memory only means the answer
goes to the engine as typed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from bot.gateway import Choice


class ChoiceMemory:
    def __init__(self, size: int = 5000) -> None:
        self._size = size
        self._items: OrderedDict[str, list[Choice]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, address: str, choices: list[Choice]) -> None:
        with self._lock:
            self._items.pop(address, None)
            if choices:
                self._items[address] = list(choices)
                while len(self._items) > self._size:
                    self._items.popitem(last=False)

    def offered(self, address: str) -> list[Choice]:
        with self._lock:
            return list(self._items.get(address, []))

    def resolve(self, address: str, answer: str) -> str:
        """The payload of the choice ``answer`` picks (by number or title), else ``answer``."""
        choices = self.offered(address)
        said = answer.strip().rstrip(".!").strip().lower()
        for index, choice in enumerate(choices, start=1):
            if said in (str(index), choice.title.strip().lower()):
                return choice.payload
        return answer
