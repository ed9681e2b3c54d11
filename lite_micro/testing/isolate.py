"""Run checks in a forked child so that a crash or hang in generated code is a
finding about one model, not the end of the test session."""
from __future__ import annotations

import faulthandler
import multiprocessing
from dataclasses import dataclass


@dataclass
class Crashed:
    """What a check returned when its child process died or hung."""
    reason: str


def run_isolated(items: list, check, timeout_s: float = 60.0) -> list:
    """[check(item) for item in items], computed in forked children; an item whose
    check kills the child (signal, exit) or runs past `timeout_s` yields Crashed."""
    ctx = multiprocessing.get_context("fork")
    results, start = [], 0
    while start < len(items):
        receiver, sender = ctx.Pipe(duplex=False)
        child = ctx.Process(target=_child, args=(sender, items[start:], check), daemon=True)
        child.start()
        sender.close()
        while start < len(items):
            if not receiver.poll(timeout_s):
                child.kill()
                results.append(Crashed(f"no answer within {timeout_s:.0f} s"))
                break
            try:
                results.append(receiver.recv())
            except EOFError:
                child.join()
                results.append(Crashed(f"process died (exit code {child.exitcode})"))
                break
            start += 1
        else:
            child.join()
            break
        start += 1
        child.join()
        receiver.close()
    return results


def _child(sender, items, check):
    faulthandler.disable()            # a crash is reported by the parent, quietly
    for item in items:
        sender.send(check(item))
    sender.close()
