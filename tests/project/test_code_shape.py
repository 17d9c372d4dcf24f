"""The code stays easy to find one's way in: no product module over 500 lines, and no function
over 60 lines unless a comment right above it says why ("# Long on purpose: ...")."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("feedback_app", "surveys", "recovery")
MAX_MODULE, MAX_FUNCTION = 500, 60


def _product_modules():
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_no_module_is_over_500_lines():
    long = [
        f"{path.relative_to(ROOT)}: {n}"
        for path in _product_modules()
        if (n := len(path.read_text().splitlines())) > MAX_MODULE
    ]
    assert not long, long


def test_a_long_function_says_why():
    unexplained = []
    for path in _product_modules():
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if node.end_lineno - node.lineno + 1 <= MAX_FUNCTION:
                continue
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            above = lines[first - 2 :: -1]
            comment = [line for line in above[:4] if line.startswith("#")]
            if not any("Long on purpose:" in line for line in comment):
                unexplained.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert not unexplained, unexplained
