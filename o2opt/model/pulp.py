"""Turn a :class:`~o2opt.model.builder.LinearModel` into a :class:`pulp.LpProblem`.

Each constraint is one :class:`pulp.LpAffineExpression` made from its row's
(variable, coefficient) pairs, never by repeated ``+``, so building stays linear in the
number of non-zeros.
"""

from __future__ import annotations

import numpy as np
import pulp

from o2opt.model.builder import LinearModel

__all__ = ["to_pulp"]


def _names(lm: LinearModel) -> list[str]:
    """Column names ``n_0``, ``q_0``, ``u_0``, ``y_0`` …: ids may hold characters that LP and
    MPS files cannot, so names carry the block and the position in it; the block's index
    arrays on ``lm`` say which arc, day, hospital or candidate it is."""
    return [f"{block}_{i}" for block, cols in lm.blocks.items()
            for i in range(cols.stop - cols.start)]


def to_pulp(lm: LinearModel, name: str = "o2opt") -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
    """The PuLP problem of ``lm`` and its variables, in column order.

    Examples
    --------
    >>> import o2opt
    >>> lm = o2opt.model.build(o2opt.read_network(o2opt.datasets.demo_folder()))
    >>> prob, variables = to_pulp(lm)
    >>> len(variables) == lm.num_col, prob.numConstraints() == lm.num_row
    (True, True)
    """
    prob = pulp.LpProblem(name, pulp.LpMinimize)
    variables = []
    for col, label in enumerate(_names(lm)):
        upper = None if np.isinf(lm.upper[col]) else float(lm.upper[col])
        cat = pulp.LpInteger if lm.integer[col] else pulp.LpContinuous
        variables.append(prob.add_variable(label, lowBound=float(lm.lower[col]), upBound=upper,
                                           cat=cat))
    nonzero = np.flatnonzero(lm.cost)
    prob.setObjective(pulp.LpAffineExpression(
        [(variables[i], float(lm.cost[i])) for i in nonzero]))
    start, index, value = lm.csr()
    for block, rows in lm.row_blocks.items():
        for r in range(rows.start, rows.stop):
            lo, hi = float(lm.row_lower[r]), float(lm.row_upper[r])
            cols = index[start[r]:start[r + 1]]
            vals = value[start[r]:start[r + 1]]
            expr = pulp.LpAffineExpression(
                [(variables[c], float(v)) for c, v in zip(cols, vals, strict=True)])
            if np.isfinite(lo) and np.isfinite(hi):
                con = pulp.LpConstraint(expr, pulp.LpConstraintEQ if lo == hi else
                                        pulp.LpConstraintGE, rhs=lo)
                if lo != hi:
                    prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintLE, rhs=hi),
                                       f"{block}_{r}_hi")
            elif np.isfinite(lo):
                con = pulp.LpConstraint(expr, pulp.LpConstraintGE, rhs=lo)
            else:
                con = pulp.LpConstraint(expr, pulp.LpConstraintLE, rhs=hi)
            prob.addConstraint(con, f"{block}_{r}")
    return prob, variables
