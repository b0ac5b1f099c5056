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

    The object is filled as an instance of a plain twin class with the same slots, whose
    attribute stores the interpreter does inline, and only then becomes a ``cls``: a frozen
    class refuses ``self.x = ...``, and calling a slot's setter once per field cost three
    times as much (an alta has thirty fields, and each record has four such parts). CPython
    allows the change of class only between classes of the same layout, which
    :func:`_twin_of` checks on a trial object; where it does not hold, the assembler calls the
    slots' setters as before.
    """
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    twin = _twin_of(cls, names)
    ns: dict[str, Any] = {"_new": object.__new__, "_cls": cls, "_twin": twin}
    if twin is not None:
        body = ["    self = _new(_twin)\n"]
        body += [f"    self.{name} = {name}\n" for name in names]
        body.append("    self.__class__ = _cls\n")
    else:
        body = ["    self = _new(_cls)\n"]
        for name in names:
            slot = next(k.__dict__[name] for k in cls.__mro__ if name in k.__dict__)
            ns[f"_set_{name}"] = slot.__set__
            body.append(f"    _set_{name}(self, {name})\n")
    exec(f"def assemble({', '.join(names)}):\n{''.join(body)}    return self\n", ns)  # noqa: S102
    assemble: Callable[..., _T] = ns["assemble"]
    assemble.__qualname__ = f"{cls.__qualname__}._assemble"
    return assemble


def _twin_of(cls: type[Any], names: list[str]) -> type[Any] | None:
    """A mutable class with the slots of ``cls``, if its objects can become ``cls`` objects.

    The twin declares the same ``__slots__`` in the same order on the same base, so each slot
    sits at the same offset in both. A trial object proves it: filled through the twin, turned
    into a ``cls``, every field must read back through ``cls``'s own descriptors as stored.
    ``None`` when anything differs, or when ``cls`` is not a plain slotted class.
    """
    slots = cls.__dict__.get("__slots__")
    if cls.__bases__ != (object,) or not isinstance(slots, tuple) or sorted(slots) != sorted(names):
        return None
    twin = type(f"_{cls.__name__}Twin", (), {"__slots__": slots, "__module__": cls.__module__})
    trial: Any = object.__new__(twin)
    markers = {name: object() for name in names}
    try:
        for name, marker in markers.items():
            setattr(trial, name, marker)
        trial.__class__ = cls
    except TypeError:
        return None
    if any(cls.__dict__[name].__get__(trial, cls) is not m for name, m in markers.items()):
        return None
    return twin


__all__ = ["assembler", "slot_init"]
