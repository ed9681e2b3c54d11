"""Static memory plan: tensor lifetimes over the execution order, placed in one arena."""

from .plan import Buffer, Plan, check_no_overlap, plan_memory
from .simulate import PlanError, simulate

__all__ = ["Buffer", "Plan", "plan_memory", "check_no_overlap", "simulate", "PlanError"]
