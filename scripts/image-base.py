#!/usr/bin/env python3
"""Builds a minimal Java 17 base image as a `docker save` tarball, from this machine's JDK.

For machines that reach no container registry (CI here): Jib takes it as `tar://PATH`. Releases
build on eclipse-temurin:17-jre instead (scripts/image.sh). The image holds a jlinked runtime in
/opt/java, the shared libraries it loads (found with ldd, NSS included for DNS), the JDK's CA
certificates, and a nonroot user 65532 with /tmp.

usage: image-base.py OUTPUT.tar
"""
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

MODULES = ",".join([
    "java.se", "jdk.charsets", "jdk.crypto.cryptoki", "jdk.crypto.ec", "jdk.httpserver",
    "jdk.jfr", "jdk.localedata", "jdk.management", "jdk.management.agent", "jdk.management.jfr",
    "jdk.naming.dns", "jdk.net", "jdk.security.auth", "jdk.security.jgss", "jdk.unsupported",
    "jdk.zipfs", "jdk.jcmd", "jdk.attach",
])
# Loaded with dlopen, so ldd does not list them: name resolution through /etc/nsswitch.conf.
NSS = ["libnss_files.so.2", "libnss_dns.so.2", "libresolv.so.2"]


def java_home():
    home = os.environ.get("JAVA_HOME")
    if not home:
        javac = os.path.realpath(shutil.which("javac") or sys.exit("image-base.py: no javac on PATH"))
        home = os.path.dirname(os.path.dirname(javac))
    if not os.path.isdir(os.path.join(home, "jmods")):
        sys.exit(f"image-base.py: {home} has no jmods/ (a full JDK is needed for jlink)")
    return home


def libraries(paths):
    found = set()
    for path in paths:
        out = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
        for match in re.finditer(r"(/\S+\.so[.\d]*)", out):
            found.add(match.group(1))
    return found


def main(output):
    home = java_home()
    with tempfile.TemporaryDirectory() as work:
        root = os.path.join(work, "rootfs")
        java = os.path.join(root, "opt/java")
        os.makedirs(os.path.dirname(java))
        subprocess.run(
            [os.path.join(home, "bin/jlink"), "--module-path", os.path.join(home, "jmods"),
             "--add-modules", MODULES, "--strip-debug", "--no-header-files", "--no-man-pages",
             "--output", java],
            check=True)
        # Debian links the JDK's cacerts to /etc/ssl/certs/java/cacerts: the image needs the file.
        cacerts = os.path.join(java, "lib/security/cacerts")
        real = os.path.realpath(os.path.join(home, "lib/security/cacerts"))
        if os.path.lexists(cacerts):
            os.remove(cacerts)
        shutil.copyfile(real, cacerts)
        binaries = [os.path.join(dirpath, f) for dirpath, _, files in os.walk(java) for f in files
                    if f.endswith(".so") or dirpath.endswith("/bin")]
        libs = libraries(binaries)
        libdir = os.path.dirname(next(l for l in libs if "libc.so" in l))
        libs |= {os.path.join(libdir, n) for n in NSS if os.path.exists(os.path.join(libdir, n))}
        libs |= libraries(sorted(libs))
        for lib in sorted(libs):
            target = os.path.join(root, lib.lstrip("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(os.path.realpath(lib), target)
            os.chmod(target, 0o755)
        etc = os.path.join(root, "etc")
        os.makedirs(etc, exist_ok=True)
        files = {
            "passwd": "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n",
            "group": "root:x:0:\nnonroot:x:65532:\n",
            "nsswitch.conf": "hosts: files dns\n",
            "hosts": "127.0.0.1 localhost\n",
        }
        for name, text in files.items():
            with open(os.path.join(etc, name), "w") as f:
                f.write(text)
        for d in ("tmp", "proc", "home/nonroot"):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        os.chmod(os.path.join(root, "tmp"), 0o1777)

        layer = io.BytesIO()
        with tarfile.open(fileobj=layer, mode="w", format=tarfile.PAX_FORMAT) as tar:
            def owned(info):
                info.mtime = 0
                info.uid = info.gid = 65532 if info.name.startswith("home/nonroot") else 0
                info.uname = info.gname = ""
                return info
            for entry in sorted(os.listdir(root)):
                tar.add(os.path.join(root, entry), arcname=entry, filter=owned)
        layer_bytes = layer.getvalue()
        diff_id = hashlib.sha256(layer_bytes).hexdigest()
        config = json.dumps({
            "architecture": "amd64",
            "os": "linux",
            "config": {
                "Env": ["PATH=/opt/java/bin:/usr/bin:/bin", "JAVA_HOME=/opt/java"],
                "User": "65532",
                "WorkingDir": "/home/nonroot",
            },
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + diff_id]},
        }, sort_keys=True).encode()
        config_name = hashlib.sha256(config).hexdigest() + ".json"
        manifest = json.dumps([{
            "Config": config_name,
            "RepoTags": ["dbt-operator-base:local"],
            "Layers": [diff_id + "/layer.tar"],
        }]).encode()
        with tarfile.open(output, "w") as tar:
            for name, data in ((diff_id + "/layer.tar", layer_bytes), (config_name, config),
                               ("manifest.json", manifest)):
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    print(f"{output}: {os.path.getsize(output) // 2**20} MiB, {len(libs)} shared libraries")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    main(sys.argv[1])
