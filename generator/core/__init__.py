"""What every package shares and nothing of obsgen's domain owns: the naming conventions
(conventions.py), exact numbers (numbers.py), SLO arithmetic (slo_math.py), Markdown and
regular-expression escaping (markdown.py, regex.py), and work in a forked child (forked.py).
Its modules are imported by name; it imports no other package of obsgen's.
"""
