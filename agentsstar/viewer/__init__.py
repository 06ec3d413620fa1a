"""``agentsstar view``: a result, or a whole run, as self-contained HTML pages.

    from agentsstar.viewer import result_page
    html = result_page(result, problem=problem)   # one page, nothing fetched

The pages carry their own style, fetch nothing, need no JavaScript to read, and show
model-written code and text only as escaped text.
"""

from __future__ import annotations

from agentsstar.viewer.load import is_arms_dir, load_result
from agentsstar.viewer.page import result_page
from agentsstar.viewer.run_index import write_arms_view, write_run_view

__all__ = ["is_arms_dir", "load_result", "result_page", "write_arms_view", "write_run_view"]
