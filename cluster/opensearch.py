"""A three-node OpenSearch cluster on 127.0.0.1 for `make cluster` and the tests.

The distribution is OpenSearch's minimal one (the integ-test zip its own plugin builds
start their test clusters from), fetched from Maven Central with Maven into ~/.m2 and
unpacked under var/opensearch/. Nothing downloaded is kept in the repository.

    python cluster/opensearch.py start [--dir var/cluster] [--http-port 9250]
    python cluster/opensearch.py stop  [--dir var/cluster]

Each node is a real Java process (bin/opensearch execs java), with its own config,
data and logs folder under DIR/node-N/ and its process id in DIR/node-N.pid.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

VERSION = os.environ.get("KAMERZOEK_OPENSEARCH_VERSION", "2.19.6")
ARTIFACT = f"org.opensearch.distribution.integ-test-zip:opensearch:{VERSION}:zip"
ROOT = Path(__file__).resolve().parent.parent
DIST_DIR = ROOT / "var" / "opensearch"
NODES = 3
HEAP = os.environ.get("KAMERZOEK_OPENSEARCH_HEAP", "384m")
CLUSTER_NAME = "kamerzoek"
NOBODY = 65534


class ClusterError(Exception):
    pass


def java_home() -> str:
    """Java 17 (OpenSearch 2.19 runs on 11-21): OPENSEARCH_JAVA_HOME, else JAVA_HOME, else java on PATH."""
    for var in ("OPENSEARCH_JAVA_HOME", "JAVA_HOME"):
        if os.environ.get(var):
            return os.environ[var]
    for candidate in ("/usr/lib/jvm/java-17-openjdk-amd64", "/usr/lib/jvm/java-17-openjdk-arm64"):
        if Path(candidate, "bin", "java").exists():
            return candidate
    java = shutil.which("java")
    if not java:
        raise ClusterError("geen Java gevonden; installeer Java 17 of zet OPENSEARCH_JAVA_HOME")
    return str(Path(java).resolve().parent.parent)


def distribution() -> Path:
    """The unpacked distribution, fetched from Maven Central on first use."""
    home = DIST_DIR / f"opensearch-{VERSION}"
    if (home / "bin" / "opensearch").exists():
        return home
    zip_path = (Path.home() / ".m2" / "repository" / "org" / "opensearch" / "distribution"
                / "integ-test-zip" / "opensearch" / VERSION / f"opensearch-{VERSION}.zip")
    if not zip_path.exists():
        mvn = shutil.which("mvn")
        if not mvn:
            raise ClusterError("Maven (mvn) ontbreekt: nodig om OpenSearch van Maven Central te halen")
        print(f"OpenSearch {VERSION} ophalen van Maven Central ...", file=sys.stderr)
        result = subprocess.run(
            [mvn, "-B", "-q", "org.apache.maven.plugins:maven-dependency-plugin:3.6.1:get",
             f"-Dartifact={ARTIFACT}", "-Dtransitive=false"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if result.returncode or not zip_path.exists():
            raise ClusterError(f"{ARTIFACT} kon niet worden opgehaald:\n{result.stdout[-2000:]}")
    DIST_DIR.mkdir(parents=True, exist_ok=True)
    tmp = DIST_DIR / f".unpack-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(tmp)
    for script in (tmp / f"opensearch-{VERSION}" / "bin").iterdir():
        script.chmod(0o755)
    os.replace(tmp / f"opensearch-{VERSION}", home)
    shutil.rmtree(tmp, ignore_errors=True)
    return home


def _node_config(home: Path, node_dir: Path, n: int, http_ports: list[int],
                 transport_ports: list[int]) -> Path:
    conf = node_dir / "config"
    (conf / "jvm.options.d").mkdir(parents=True, exist_ok=True)
    for name in ("log4j2.properties",):
        shutil.copy(home / "config" / name, conf / name)
    # The distribution's options without its 1 GB heap and its GC log files.
    options = [line for line in (home / "config" / "jvm.options").read_text().splitlines()
               if not line.startswith(("-Xms", "-Xmx")) and "gc.log" not in line
               and "Xloggc" not in line and "HeapDumpPath" not in line and "ErrorFile" not in line]
    options += [f"-Xms{HEAP}", f"-Xmx{HEAP}", "-XX:ActiveProcessorCount=1",
                f"-XX:ErrorFile={node_dir}/logs/hs_err_pid%p.log"]
    (conf / "jvm.options").write_text("\n".join(options) + "\n")
    seeds = ", ".join(f'"127.0.0.1:{p}"' for p in transport_ports)
    names = ", ".join(f'"node-{i + 1}"' for i in range(len(http_ports)))
    (conf / "opensearch.yml").write_text(f"""\
cluster.name: {CLUSTER_NAME}
node.name: node-{n}
network.host: 127.0.0.1
http.port: {http_ports[n - 1]}
transport.port: {transport_ports[n - 1]}
discovery.seed_hosts: [{seeds}]
cluster.initial_cluster_manager_nodes: [{names}]
path.data: {node_dir / "data"}
path.logs: {node_dir / "logs"}
# A shared machine's disk may be fuller than the default watermarks allow.
cluster.routing.allocation.disk.threshold_enabled: false
# Small processors: two cores are shared with other work.
node.processors: 1
action.destructive_requires_name: true
indices.query.bool.max_clause_count: 8192
# A search's timeout (Kamerzoek's deadline) is checked against the clock itself, not against
# one the node updates every 200 ms: a 2 s deadline then holds to the millisecond.
thread_pool.estimated_time_interval: 0ms
""")
    return conf


def start(cluster_dir: Path, http_port: int = 9250, transport_port: int | None = None,
          timeout: float = 180.0, quiet: bool = False) -> list[int]:
    """Start three nodes, wait for green; returns their process ids."""
    home = distribution()
    cluster_dir.mkdir(parents=True, exist_ok=True)
    if running(cluster_dir):
        raise ClusterError(f"er draait al een cluster uit {cluster_dir}; stop het met: make cluster-stop")
    transport_port = transport_port or http_port + 100
    http_ports = [http_port + i for i in range(NODES)]
    transport_ports = [transport_port + i for i in range(NODES)]
    (cluster_dir / "ports.json").write_text(json.dumps({"http": http_ports, "transport": transport_ports}))
    pids = [start_node(cluster_dir, n, home) for n in range(1, NODES + 1)]
    try:
        wait_green(http_ports, NODES, timeout, pids)
    except ClusterError:
        stop(cluster_dir)
        raise
    if not quiet:
        print(f"engine: opensearch://127.0.0.1:{http_ports[0]}/kamerzoek")
    return pids


def start_node(cluster_dir: Path, n: int, home: Path | None = None) -> int:
    """Start (or restart) node n of the cluster in cluster_dir; returns its process id."""
    home = home or distribution()
    ports = json.loads((cluster_dir / "ports.json").read_text())
    http_ports, transport_ports = ports["http"], ports["transport"]
    env = dict(os.environ, OPENSEARCH_JAVA_HOME=java_home())
    env.pop("JAVA_HOME", None)
    env.pop("OPENSEARCH_JAVA_OPTS", None)
    node_dir = cluster_dir / f"node-{n}"
    (node_dir / "logs").mkdir(parents=True, exist_ok=True)
    conf = _node_config(home, node_dir, n, http_ports, transport_ports)
    node_env = dict(env, OPENSEARCH_PATH_CONF=str(conf), OPENSEARCH_TMPDIR=str(node_dir / "tmp"))
    (node_dir / "tmp").mkdir(exist_ok=True)
    command = [str(home / "bin" / "opensearch")]
    if os.geteuid() == 0:
        # OpenSearch refuses to run as root: the node runs as nobody, in a folder it owns.
        command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] + command
        node_env["HOME"] = str(node_dir)
        _chown_tree(node_dir, NOBODY)
    with open(node_dir / "logs" / "stdout.log", "ab") as out:
        proc = subprocess.Popen(command, cwd=node_dir, env=node_env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    (cluster_dir / f"node-{n}.pid").write_text(f"{proc.pid}\n")
    return proc.pid


def _chown_tree(path: Path, uid: int) -> None:
    os.chown(path, uid, uid)
    for parent, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(parent, name), uid, uid, follow_symlinks=False)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:  # a zombie (exited, not yet reaped by its parent) is not alive
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True


def health(port: int, timeout: float = 2.0) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_cluster/health", timeout=timeout) as r:
            return json.loads(r.read())
    except (OSError, ValueError, urllib.error.URLError):
        return None


def wait_green(http_ports: list[int], nodes: int, timeout: float, pids: list[int] = ()) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in pids:
            if not _alive(pid):
                raise ClusterError(f"een OpenSearch-node (pid {pid}) is gestopt tijdens het starten; "
                                   "zie var/cluster/node-N/logs/")
        for port in http_ports:
            h = health(port)
            if h and h.get("status") == "green" and h.get("number_of_nodes") == nodes:
                return
        time.sleep(1.0)
    raise ClusterError(f"het cluster werd niet groen binnen {timeout:.0f} seconden")


def pids(cluster_dir: Path) -> list[int]:
    found = []
    for pid_file in sorted(cluster_dir.glob("node-*.pid")):
        try:
            found.append(int(pid_file.read_text().strip()))
        except (OSError, ValueError):
            pass
    return found


def running(cluster_dir: Path) -> list[int]:
    return [pid for pid in pids(cluster_dir) if _alive(pid)]


def stop(cluster_dir: Path, timeout: float = 30.0) -> None:
    """SIGTERM each node from its pid file, SIGKILL what is left after the timeout."""
    alive = running(cluster_dir)
    for pid in alive:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    deadline = time.monotonic() + timeout
    while alive and time.monotonic() < deadline:
        time.sleep(0.3)
        alive = [pid for pid in alive if _alive(pid)]
    for pid in alive:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    for pid_file in cluster_dir.glob("node-*.pid"):
        pid_file.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Een OpenSearch-cluster van drie nodes op 127.0.0.1.")
    parser.add_argument("action", choices=["start", "stop", "fetch"])
    parser.add_argument("--dir", type=Path, default=ROOT / "var" / "cluster", help="map voor nodes en pid-bestanden")
    parser.add_argument("--http-port", type=int, default=int(os.environ.get("KAMERZOEK_CLUSTER_PORT", 9250)),
                        help="HTTP-poort van node-1 (node-2 en node-3 de volgende)")
    args = parser.parse_args(argv)
    try:
        if args.action == "fetch":
            print(distribution())
        elif args.action == "start":
            start(args.dir, args.http_port)
        else:
            stop(args.dir)
    except ClusterError as e:
        print(f"Fout: {e}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
