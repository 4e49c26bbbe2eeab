# Ded sandbox init: runs as pid 1 of fresh pid/net/mount/ipc/uts namespaces (started by `unshare`, see
# LinuxSandbox.cs). It reads one job (JSON) from stdin, builds a minimal read-only root, drops privileges,
# then forks one child per test that runs the untrusted program; it writes one JSON result line to stdout.
# Any setup failure exits 125 with the reason on stderr: the host reports sandbox_error, never runs unsandboxed.
# Start-up cost is most of a run: only C modules besides ctypes (json, signal, socket, traceback cost ~12 ms).
import _json, _signal, _socket, ctypes, os, resource, select, sys, time

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_DUMPABLE, PR_SET_SECUREBITS, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 4, 28, 24, 38
SYSCALLS = {"x86_64": {"pivot_root": 155, "capset": 126}, "aarch64": {"pivot_root": 41, "capset": 91}}
NEWROOT = "/tmp"  # a tmpfs is mounted over it in our private mount namespace; the host's /tmp is untouched
libc = ctypes.CDLL(None, use_errno=True)


class JsonContext:  # what _json.make_scanner reads from json.JSONDecoder, without importing json (and re)
    strict, object_hook, object_pairs_hook, memo = True, None, None, {}
    parse_float, parse_int, parse_constant = float, int, float


def json_loads(text):
    return _json.make_scanner(JsonContext())(text, 0)[0]


def json_dumps(value):
    def unsupported(o):
        raise TypeError("result of type %s is not JSON" % type(o).__name__)
    return "".join(_json.make_encoder(None, unsupported, _json.encode_basestring_ascii, None, ":", ",",
                                      False, False, True)(value, 0))


def fail(step):
    err = ctypes.get_errno()
    sys.stderr.write("sandbox setup failed: %s: %s\n" % (step, os.strerror(err) if err else "error"))
    sys.stderr.flush()
    os._exit(125)


def mount(src, target, fstype, flags, data=None, required=True):
    enc = lambda s: None if s is None else s.encode()
    if libc.mount(enc(src), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)) != 0:
        if required:
            fail("mount %s on %s" % (src or fstype, target))
        return False
    return True


def open_private_proc():
    """A procfs of our pid namespace that only pid 1 holds (an fd to a detached mount, never in the tree):
    it lets the timers tell a starved test from a slow one. None where the kernel refuses (then plain wall time)."""
    path = NEWROOT + "/.proc"
    os.mkdir(path)
    fd = None
    if mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, required=False):
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        libc.umount2(path.encode(), MNT_DETACH)
    os.rmdir(path)
    return fd


def kept_flags(path):
    """A remount must repeat the atime flags a user namespace cannot change (statvfs ST_* -> MS_*)."""
    f = os.statvfs(path).f_flag
    return (f & (MS_NOSUID | MS_NODEV | MS_NOEXEC)) | (1024 if f & 1024 else 0) | (2048 if f & 2048 else 0) \
        | (1 << 21 if f & 4096 else 0)


def bind_ro(src, target):
    mount(src, target, None, MS_BIND | MS_REC)
    mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | kept_flags(target))


def build_root(job):
    mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing we mount propagates back to the host
    mount("tmpfs", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    for name in ("bin", "lib", "lib64", "sbin", "usr"):
        host = "/" + name
        if os.path.islink(host):
            os.symlink(os.readlink(host), NEWROOT + host)
        elif os.path.isdir(host):
            os.mkdir(NEWROOT + host)
            bind_ro(host, NEWROOT + host)
    os.mkdir(NEWROOT + "/dev")
    mount("tmpfs", NEWROOT + "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "size=16k,mode=0755")
    for dev in ("null", "zero", "random", "urandom"):
        open(NEWROOT + "/dev/" + dev, "w").close()
        mount("/dev/" + dev, NEWROOT + "/dev/" + dev, None, MS_BIND)
    mount(None, NEWROOT + "/dev", None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC
          | kept_flags(NEWROOT + "/dev"))
    os.mkdir(NEWROOT + "/sandbox")
    mount("tmpfs", NEWROOT + "/sandbox", "tmpfs", MS_NOSUID | MS_NODEV,
          "size=%d,nr_inodes=4096,mode=0700,uid=%d,gid=%d" % (job["workdir_bytes"], job["uid"], job["gid"]))
    os.symlink("/sandbox", NEWROOT + "/tmp")
    proc_fd = open_private_proc()
    mount(None, NEWROOT, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | kept_flags(NEWROOT))
    os.chdir(NEWROOT)
    if libc.syscall(SYSCALLS[os.uname().machine]["pivot_root"], b".", b".") != 0:
        fail("pivot_root")
    if libc.umount2(b".", MNT_DETACH) != 0:  # the old root (the host's tree) is gone from this namespace
        fail("umount old root")
    os.chdir("/sandbox")
    return proc_fd


def set_limits(job):
    for res, value in ((resource.RLIMIT_AS, job["memory_bytes"]), (resource.RLIMIT_NPROC, job["max_processes"]),
                       (resource.RLIMIT_NOFILE, job["max_open_files"]), (resource.RLIMIT_CORE, 0), (resource.RLIMIT_MEMLOCK, 0), (resource.RLIMIT_MSGQUEUE, 0)):
        resource.setrlimit(res, (value, value))


def drop_privileges(job):
    if job["uid"] != 0:  # started as real root: become a pool uid that owns nothing but /sandbox
        os.setgroups([])
        os.setresgid(job["gid"], job["gid"], job["gid"])
        os.setresuid(job["uid"], job["uid"], job["uid"])
        if os.getuid() == 0 or os.geteuid() == 0:
            fail("setresuid")
    else:  # root of our own user namespace only: lock root semantics, then drop every capability
        if libc.prctl(PR_SET_SECUREBITS, 0x2F, 0, 0, 0) != 0:  # NOROOT, NO_SETUID_FIXUP, KEEP_CAPS off, all locked
            fail("securebits")
        for cap in range(64):
            libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
        header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this thread
        data = (ctypes.c_uint32 * 6)()
        if libc.syscall(SYSCALLS[os.uname().machine]["capset"], header, data) != 0:
            fail("capset")
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        fail("no_new_privs")
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # tests (same uid) cannot ptrace this process


def check_isolation():
    names = [name for _, name in _socket.if_nameindex()]
    if names != ["lo"]:
        fail("network namespace has interfaces %s" % names)


def memfd(name, content=b""):
    fd = os.memfd_create(name, 0)
    if content:
        os.write(fd, content)
        os.lseek(fd, 0, os.SEEK_SET)
    return fd


def run_child(job, test, fds):
    """In the forked child: wire fds, set the CPU limit, run the program; never returns."""
    code = 1
    TEST_PID[0] = os.getpid()
    try:
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        os.closerange(len(fds), 1 << 16)
        cpu = job["cpu_seconds"]
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        limit = job["max_output_bytes"]  # per file: stdout, stderr and anything the program writes
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        _signal.signal(_signal.SIGXFSZ, _signal.SIG_DFL)  # CPython ignores it; over-long output must end the test
        _signal.signal(_signal.SIGPIPE, _signal.SIG_DFL)
        _signal.signal(_signal.SIGINT, _signal.default_int_handler)  # as in a fresh interpreter
        sys.stdin = sys.__stdin__ = open(0, "r", encoding="utf-8", errors="surrogateescape", closefd=False)
        sys.stdout = sys.__stdout__ = open(1, "w", encoding="utf-8", errors="surrogateescape", closefd=False)
        sys.stderr = sys.__stderr__ = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)
        sys.argv = ["main.py"]
        code = run_program(job, test)
    finally:
        os._exit(code)


TEST_PID = [0]


def report(kind, detail=""):
    if os.getpid() == TEST_PID[0]:  # a process the program forked unwinds through here too: it does not report
        os.write(3, (kind + ("\t" + detail if detail else "")).encode())


def run_program(job, test):
    g = {"__name__": "__main__", "__builtins__": __builtins__, "__file__": "/sandbox/main.py"}
    candidate_raised = [False]
    try:
        exec(compile(job["code"], "/sandbox/main.py", "exec"), g)
        if job["mode"] == "call":
            owner = g["Solution"]() if "Solution" in g and job["fn_name"] not in g else None
            fn = getattr(owner, job["fn_name"]) if owner is not None else g[job["fn_name"]]
            result = fn(*json_loads(test))
            report("ok", json_dumps(result))
        elif job["mode"] == "humaneval":
            candidate = g[job["fn_name"]]
            def wrapped(*args, **kwargs):  # tells a crash of the candidate from a failed assertion on its result
                try:
                    return candidate(*args, **kwargs)
                except BaseException:
                    candidate_raised[0] = True
                    raise
            g["check"](wrapped)
            report("ok")
        else:
            report("ok")
        return finish(0)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        report("ok" if code == 0 and job["mode"] == "stdio" else "exit", str(code))
        return finish(code)
    except BaseException as e:
        failed_check = job["mode"] == "humaneval" and "check" in g and not candidate_raised[0] \
            and not isinstance(e, (MemoryError, RecursionError))
        report("failed_check" if failed_check else "exception", type(e).__name__)  # first: printing may fail
        import traceback
        traceback.print_exception(type(e), e, e.__traceback__.tb_next)  # the program's frames, not ours
        return finish(1)


def finish(code):
    try:
        if "threading" in sys.modules:
            sys.modules["threading"]._shutdown()  # as `python main.py` does: wait for non-daemon threads
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        return 1
    return code


def read_head(fd, limit):
    size = os.lseek(fd, 0, os.SEEK_END)
    return os.pread(fd, limit, 0) if size else b"", size


def read_tail(fd, limit):
    size = os.lseek(fd, 0, os.SEEK_END)
    return os.pread(fd, limit, max(0, size - limit)) if size else b""


def run_test(job, test, proc_fd):
    fds = [memfd("stdin", test.encode() if job["mode"] == "stdio" else b""), memfd("stdout"), memfd("stderr"),
           memfd("result")]
    start, reaped_before = time.monotonic(), children_cpu()
    pid = os.fork()
    if pid == 0:
        run_child(job, test, fds)
    status, usage, over = wait_within_limits(job, pid, proc_fd, start, reaped_before)
    kill_leftovers()
    out, out_size = read_head(fds[1], job["max_output_bytes"])
    err = read_tail(fds[2], job["stderr_tail_bytes"])
    res, _ = read_head(fds[3], job["max_output_bytes"])
    for fd in fds:
        os.close(fd)
    return {"exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "cpu_ms": int((usage.ru_utime + usage.ru_stime) * 1000), "wall_timeout": over == "wall",
            "cpu_timeout": over == "cpu", "stdout_bytes": out_size, "stdout": out.decode("utf-8", "replace"),
            "stderr_tail": err.decode("utf-8", "replace"), "result": res.decode("utf-8", "replace")}


def wait_within_limits(job, pid, proc_fd, start, reaped_before):
    """Waits for the test's process on a pidfd (no signals, so no race with our own bookkeeping). It first wakes at
    the earlier limit, then every 0.25 s, and kills when (1) all the test's processes together used more CPU than
    allowed (a fork bomb), or (2) the time the test could have run, wall time minus its time queued for a CPU behind
    other work, passes the wall limit (a sleeper). A loaded machine stretches wall time but not these, so
    slow-but-correct programs are not cut off."""
    cpu, wall = job["cpu_seconds"], job["wall_seconds"]
    pidfd = os.pidfd_open(pid)
    try:
        timeout, over = min(cpu, wall), None
        while not select.select([pidfd], [], [], timeout)[0]:
            over = "cpu" if sandbox_cpu(proc_fd) + children_cpu() - reaped_before > cpu + 0.5 else \
                "wall" if time.monotonic() - start - queued_seconds(proc_fd, pid) >= wall else None
            if over:
                os.kill(pid, _signal.SIGKILL)
                break
            timeout = 0.25
        _, status, usage = os.wait4(pid, 0)
        return status, usage, over
    finally:
        os.close(pidfd)


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def sandbox_cpu(proc_fd):
    """CPU seconds of the live processes of this pid namespace other than pid 1 (utime + stime, /proc/PID/stat)."""
    if proc_fd is None:
        return 0.0
    total = 0
    for name in os.listdir(proc_fd):
        if name.isdigit() and name != "1":
            try:
                with open(os.open(name + "/stat", os.O_RDONLY, dir_fd=proc_fd), "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            except (OSError, IndexError, ValueError):
                pass  # ended meanwhile
    return total / CLOCK_TICKS


def queued_seconds(proc_fd, pid):
    """Seconds the process spent runnable but waiting for a CPU (/proc/PID/schedstat, second field)."""
    if proc_fd is None:
        return 0.0
    try:
        with open(os.open("%d/schedstat" % pid, os.O_RDONLY, dir_fd=proc_fd), "rb") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def kill_leftovers():
    """Detached or daemonised processes of a test die before the next test starts (kill(-1) spares only pid 1)."""
    while True:
        try:
            os.kill(-1, _signal.SIGKILL)  # again each time: a process forked during the last sweep dies too
        except ProcessLookupError:
            pass
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def main():
    job = json_loads(sys.stdin.buffer.read().decode())
    result_fd = os.dup(1)
    null = os.open("/dev/null", os.O_RDWR)
    os.dup2(null, 0)
    proc_fd = build_root(job)
    set_limits(job)
    drop_privileges(job)
    check_isolation()
    _signal.signal(_signal.SIGINT, _signal.SIG_IGN)  # a test's kill(1, SIGINT) must not end pid 1 (Python's handler)
    results = []
    for test in job["tests"]:
        results.append(run_test(job, test, proc_fd))
        if job["stop_at_first_failure"] and not looks_passed(results[-1]):
            break
    os.write(result_fd, json_dumps({"tests": results}).encode() + b"\n")


def looks_passed(r):  # the host still compares the output; this only stops after a crash or a limit
    return r["exit"] == 0 and r["result"].startswith("ok") and not r["wall_timeout"] and not r["cpu_timeout"]


main()
