"""Static memory plan: tensor lifetimes over the execution order, placed in one arena."""

from .plan import Buffer, Plan, check_no_overlap, plan_memory, plan_to_fit
from .simulate import PlanError, simulate

__all__ = ["Buffer", "Plan", "plan_memory", "plan_to_fit", "check_no_overlap", "simulate", "PlanError"]
