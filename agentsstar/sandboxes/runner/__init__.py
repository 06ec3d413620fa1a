"""agentsstar runner: a fork server that executes untrusted Python under limits.

Standalone and stdlib-only on purpose: it never imports agentsstar (whose package
pulls in third-party code), and its modules import one another relatively only.
``agentsstar.sandboxes._artefact`` packs this package into one zipapp; the local
sandbox starts it as a separate interpreter (``python -I <artefact>.pyz``) and the
E2B backend uploads the same bytes into cloud sandboxes. It is trusted code; the
programs it runs are not. One runner serves many jobs, one at a time: it compiles
a job's code once and forks one child per input (about a millisecond) instead of
paying an interpreter start-up per input.

Every module is imported when the runner starts, before its isolation set-up:
the artefact may live in a directory the runner then hides (a home directory, or
/tmp, which it replaces), and a later import from it would fail. ``main`` then
removes the package from ``sys.modules`` and the artefact from ``sys.path``, so
candidates, which are forked from the runner, cannot import its code by name.

Modules:

- ``protocol``: the wire protocol (documented there) and checks on text from children
- ``syscalls``: ctypes wrappers for unshare, mount and prctl
- ``isolation``: the namespaces the runner enters once
- ``mounts``: private /tmp, hidden directories, a read-only filesystem
- ``server``: the ``Runner``: serving jobs, forking, watching and killing children
- ``child``: a forked child's set-up and the candidate's run
- ``limits``: rlimits and dropped privileges in the child
- ``verdicts``: what was observed becomes a verdict
- ``cleanup``: finding and removing what a child left behind
- ``main``: the entry point
- ``zipload``: imports the others from the zipapp, compiling each once
"""
