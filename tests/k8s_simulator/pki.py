"""Certificates for the Kubernetes API simulator, made with the openssl CLI:
a CA, a server certificate for 127.0.0.1 signed by it, a client certificate
(CN = the user name) signed by it, and an unrelated CA that must be refused."""
import os
import subprocess


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _ca(folder, name, subject):
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", name + ".key", "-out", name + ".crt", "-days", "2",
             "-subj", subject, cwd=folder)


def _signed(folder, name, subject, extensions):
    with open(os.path.join(folder, name + ".ext"), "w") as f:
        f.write(extensions)
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", name + ".key", "-out", name + ".csr", "-subj", subject, cwd=folder)
    _openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", name + ".crt", "-days", "2", "-extfile", name + ".ext",
             cwd=folder)


def make_pki(folder, client_user="ci-cert"):
    """Writes ca.crt/key, server.crt/key, client.crt/key and other-ca.crt
    into `folder` (made when missing) and returns a dict of their paths."""
    os.makedirs(folder, exist_ok=True)
    _ca(folder, "ca", "/CN=tame simulator CA")
    _ca(folder, "other-ca", "/CN=some other CA")
    _signed(folder, "server", "/CN=kube-apiserver simulator",
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
            "extendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n")
    _signed(folder, "client", "/CN=%s/O=ci" % client_user,
            "extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n")
    names = ["ca.crt", "ca.key", "other-ca.crt", "server.crt", "server.key", "client.crt",
             "client.key"]
    return {n.replace(".", "_").replace("-", "_"): os.path.join(folder, n) for n in names}
