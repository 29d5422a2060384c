"""`make bench`: the support bot against botbuilder's and the Agents SDK's echo bots, on loopback.

Every measured party runs in a process of its own (CPU time per process comes from /proc), and the
orchestrator (`python -m bench`) drives them over HTTP. Nothing here is imported by the product or the
tests; modules that run under the Agents SDK's virtual environment import nothing from the product.
"""
