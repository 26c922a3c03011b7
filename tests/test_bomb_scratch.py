import bz2, io, tarfile
from tests.test_hostile import serve, generate
MIB=2**20
def hdr(name,size):
    i=tarfile.TarInfo(name); i.size=size; return i.tobuf(format=tarfile.USTAR_FORMAT)
def member(name, data):
    b=hdr(name,len(data))+data; return b+bytes(-len(b)%512)
Z=bz2.compress(bytes(64*MIB))
def test_zero(fixture_index, tmp_path, capsys):
    serve(fixture_index, Z*48, "evil-1.0.tar.bz2")
    print(generate(tmp_path)); print(capsys.readouterr().err); assert 0
def test_setup(fixture_index, tmp_path, capsys):
    setup=b"from setuptools import setup\nsetup(name='evil',version='1.0',install_requires=['beta'+'>=1'])\n"
    pk=b"Metadata-Version: 1.2\nName: evil\nVersion: 1.0\n"
    head=member("evil-1.0/PKG-INFO",pk)+member("evil-1.0/setup.py",setup)
    serve(fixture_index, bz2.compress(head)+Z*48, "evil-1.0.tar.bz2")
    print(generate(tmp_path)); print(capsys.readouterr().err); assert 0
