"""Arguments of a tool an AI agent calls (an MCP server's `@mcp.tool()`, LangChain's `@tool`) are
chosen by the model, which whoever writes the prompt or a document it reads can steer: they are
sources like a request's parameters."""

from __future__ import annotations

from tests.unit.taint_helpers import taint

SERVER = """
from mcp.server.fastmcp import FastMCP
import subprocess

mcp = FastMCP("files")

@mcp.tool()
def save(path: str, data: str) -> str:
    with open(path, "w") as fh:
        fh.write(data)
    return "ok"

@mcp.tool()
def run(command: str) -> str:
    return subprocess.check_output(command, shell=True).decode()

def helper(path: str) -> str:
    with open(path) as fh:
        return fh.read()
"""


def rules(code: str) -> list[tuple[str, int]]:
    return [(f.rule_id, f.start_line) for f in taint(code)]


def test_mcp_tool_arguments_are_sources() -> None:
    findings = taint(SERVER)
    assert [(f.rule_id, f.start_line) for f in findings] == [
        ("taint-path-traversal", 8),
        ("taint-command-injection", 14),
    ]
    assert all("agent tool argument" in f.message for f in findings)


def test_a_tool_of_a_server_made_elsewhere_is_known_by_its_shape_and_langchain_tools_count() -> None:
    made_elsewhere = SERVER.replace("from mcp.server.fastmcp import FastMCP\n", "").replace(
        'mcp = FastMCP("files")\n', ""
    )
    assert rules(made_elsewhere) == [("taint-path-traversal", 6), ("taint-command-injection", 12)]
    langchain = """
from langchain_core.tools import tool
import os

@tool
def remove(name: str) -> None:
    os.system("rm -rf /srv/cache/" + name)
"""
    assert rules(langchain) == [("taint-command-injection", 6)]


def test_an_object_of_another_kind_with_a_tool_method_is_not_an_agent_tool() -> None:
    registry = """
import subprocess

class Registry:
    def tool(self):
        return lambda f: f

registry = Registry()

@registry.tool()
def run(command: str) -> str:
    return subprocess.check_output(command, shell=True).decode()
"""
    assert not [f for f in taint(registry) if "agent tool" in f.message]


LOW_LEVEL_SERVER = """
import httpx
from mcp.server import Server

def serve(user_agent: str):
    server = Server("fetch")

    @server.call_tool()
    async def call_tool(name: str, arguments: dict):
        url = str(arguments["url"])
        async with httpx.AsyncClient() as client:
            return (await client.get(url, headers={"User-Agent": user_agent})).text

    @server.read_resource()
    async def read_resource(uri):
        return open(str(uri)[len("file://"):]).read()

    @server.list_tools()
    async def list_tools():
        return open("/srv/tools.json").read()
"""


def test_the_sdks_low_level_server_hands_its_handlers_the_clients_tool_arguments_and_uris() -> None:
    findings = taint(LOW_LEVEL_SERVER)
    assert [(f.rule_id, f.start_line) for f in findings] == [
        ("taint-ssrf", 11),
        ("taint-path-traversal", 15),
    ]


def test_a_call_tool_method_of_another_kind_of_server_is_no_agent_tool() -> None:
    other = LOW_LEVEL_SERVER.replace("from mcp.server import Server", "from rpc import Server")
    assert not taint(other)
