"""Mutation bench of the generated promtool tests: `python -m bench.mutation` (or `make
mutation`) mutates the rendered rule files one change at a time and reports which mutants
the generated tests catch, per category, and lists the survivors."""
