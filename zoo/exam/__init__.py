"""The mock exam as a learner sits it: the exam's starter files, practice files, and the timed
session that grades what a folder holds.

Modules: `session` (start, submit, the scoreboard), `practice` (a task's file to complete),
`starters` (the exam's own starter files).
"""
