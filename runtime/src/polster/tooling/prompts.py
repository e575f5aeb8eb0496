"""Questions asked in a terminal when a command is missing an argument."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from polster.contract.errors import PolsterError
from polster.contract.options import option


def can_ask() -> bool:
    """Whether a person can answer: standard input is a terminal."""
    return sys.stdin.isatty()


def require(value: str | None, flag: str, hint: str) -> str:
    """`value`, or an error naming the option (`--name`, or `NAME=` under make) when there
    is no terminal to ask; `flag` may name several (`--layer and --name`)."""
    if value is None:
        shown = " and ".join(option(part, "") for part in flag.split(" and "))
        msg = f"missing {shown} ({hint}); without a terminal, pass it on the command line"
        raise PolsterError(msg)
    return value


def ask(prompt: str) -> str:
    try:
        return input(prompt).strip()
    except EOFError:
        msg = "no answer given: nothing was changed"
        raise PolsterError(msg) from None


def ask_until_valid(prompt: str, check: Callable[[str], object]) -> str:
    """Ask again until `check` accepts the answer (it raises PolsterError otherwise)."""
    while True:
        answer = ask(prompt)
        try:
            check(answer)
        except PolsterError as error:
            print(f"  {error}")
            continue
        return answer


def choose_one(title: str, options: Sequence[str]) -> str:
    print(title)
    for number, choice in enumerate(options, start=1):
        print(f"  {number}. {choice}")
    while True:
        answer = ask(f"Choose 1-{len(options)}: ")
        if answer.isdigit() and 1 <= int(answer) <= len(options):
            return options[int(answer) - 1]
        print(f"  Type a number from 1 to {len(options)}.")


def choose_many(title: str, options: Sequence[str], allow_all: bool = False) -> list[str]:
    """Numbers separated by commas (or `all`), asked again until every number is valid."""
    print(title)
    for number, choice in enumerate(options, start=1):
        print(f"  {number}. {choice}")
    hint = "comma-separated numbers" + (", or all" if allow_all else "")
    while True:
        answer = ask(f"Select ({hint}): ")
        if allow_all and answer.lower() == "all":
            return list(options)
        numbers = [part.strip() for part in answer.split(",") if part.strip()]
        if numbers and all(n.isdigit() and 1 <= int(n) <= len(options) for n in numbers):
            return list(dict.fromkeys(options[int(n) - 1] for n in numbers))
        print(f"  Type numbers from 1 to {len(options)}, such as 1,3.")
