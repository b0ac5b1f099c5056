"""Fast construction for the frozen, slotted dataclasses of the VERI*FACTU record model.

A record is frozen so that its huella, computed when it is built, can never go stale; and an
installation builds one record per invoice, each with some thirty fields and several parts.
These two class tools keep the frozen guarantee while storing fields through the slots' own
descriptors, which costs about half of what ``object.__setattr__`` does.
They know nothing of AEAT rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, fields
from typing import Any, TypeVar

_T = TypeVar("_T")


def slot_init(cls: type[_T]) -> type[_T]:
    """Give a frozen, slotted dataclass an ``__init__`` that stores through its slots.

    The ``__init__`` that ``dataclass(frozen=True)`` writes calls ``object.__setattr__`` once
    per field, to get past the class's own ``__setattr__`` that refuses assignment. Calling
    each slot's descriptor directly does the same store for about half the cost, and a record
    has some thirty fields: this was a tenth of the time of building one. Parameters, defaults
    and ``__post_init__`` are the dataclass's own; assignment after construction still raises
    ``FrozenInstanceError``.
    """
    ns: dict[str, Any] = {}
    params: list[str] = []
    body: list[str] = []
    for f in fields(cls):  # type: ignore[arg-type]
        if not f.init:
            continue
        if f.default_factory is not MISSING:  # not used by the records; keep the generated one
            return cls
        ns[f"_set_{f.name}"] = cls.__dict__[f.name].__set__
        if f.default is MISSING:
            params.append(f.name)
        else:
            ns[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        body.append(f"    _set_{f.name}(self, {f.name})\n")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()\n")
    exec(f"def __init__(self, {', '.join(params)}):\n{''.join(body)}", ns)  # noqa: S102
    init = ns["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init  # type: ignore[method-assign]
    return cls


def assembler(cls: type[_T]) -> Callable[..., _T]:
    """A function that stores every field of ``cls`` (in field order) and checks nothing.

    Only for values already proved to keep every rule of the class: the factories
    :meth:`DetalleDesglose.s1`, :meth:`DetalleDesglose.s1_from_text`,
    :meth:`PersonaFisicaJuridica.with_nif` and :meth:`RegistroAlta.ordinary` after their own
    checks, and ``as_anterior`` with a key that was checked and a huella that
    :func:`chain.digest` wrote. Running ``__post_init__`` again would only repeat that work.
    Each record module keeps its assemblers private: a record built any other way is checked.
    """
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    ns: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    body = ["    self = _new(_cls)\n"]
    for name in names:
        ns[f"_set_{name}"] = cls.__dict__[name].__set__
        body.append(f"    _set_{name}(self, {name})\n")
    exec(f"def assemble({', '.join(names)}):\n{''.join(body)}    return self\n", ns)  # noqa: S102
    assemble: Callable[..., _T] = ns["assemble"]
    assemble.__qualname__ = f"{cls.__qualname__}._assemble"
    return assemble


__all__ = ["assembler", "slot_init"]
