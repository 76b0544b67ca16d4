"""The LSP base protocol over a child process's pipes, for the editor
benchmarks (corpus-lsp.py, edit-latency.py): Content-Length framing, and
answering the server's own requests as an editor does."""
import json
import urllib.parse


def send(process, message):
    body = json.dumps(message).encode()
    process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    process.stdin.flush()


def read(process, closed_detail="", answer=send):
    """The next message from the server; a request of its own is answered
    with a null result (through `answer`) before it is returned."""
    length = None
    while True:
        line = process.stdout.readline()
        if not line:
            raise EOFError(f"the server closed its output{closed_detail}")
        line = line.strip()
        if not line:
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    message = json.loads(process.stdout.read(length))
    if "id" in message and "method" in message:
        answer(process, {"jsonrpc": "2.0", "id": message["id"], "result": None})
    return message


def uri(path):
    """A file path as the `file://` URI an editor sends."""
    return "file://" + urllib.parse.quote(str(path))
