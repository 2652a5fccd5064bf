#!/usr/bin/env python3
"""check-layers.py SRCDIR [BUILDDIR]: lib/ keeps its layers (lib/README).

Layers, lowest first: base, mail, store, kb, desk. Prints one line per
finding and exits 1 when there is any:
  - a source file of lib/ outside a layer folder;
  - an #include "X.h" of a header in a higher layer, or of no header of
    lib/ at all (a header of tools/ or milter/, say);
  - with BUILDDIR: a call (an undefined symbol of an object, as nm(1)
    reads it) of a function or variable defined in a higher layer;
  - a source file that its folder's README does not name.
"""
import os
import re
import subprocess
import sys

LAYERS = ['base', 'mail', 'store', 'kb', 'desk']
BUILT = {'kbhooks.h': 'kb'}  # made by make, in the build tree


def sources(src):
    found, stray = {}, []
    for root, _, files in os.walk(os.path.join(src, 'lib')):
        rel = os.path.relpath(root, os.path.join(src, 'lib'))
        for f in files:
            if not f.endswith(('.c', '.h')) or f in BUILT:
                continue
            if rel not in LAYERS:
                stray.append(os.path.join('lib', rel, f).replace('/./', '/'))
            else:
                found[f] = rel
    return found, stray


def includes(src, found, layer_of):
    bad = []
    for f, layer in sorted(found.items()):
        text = open(os.path.join(src, 'lib', layer, f), encoding='utf-8', errors='replace').read()
        for inc in re.findall(r'^\s*#\s*include\s+"([^"]+)"', text, re.M):
            l = layer_of.get(os.path.basename(inc))
            if l is None:
                bad.append(f'lib/{layer}/{f}: includes "{inc}", which is no header of lib/')
            elif LAYERS.index(l) > LAYERS.index(layer):
                bad.append(f'lib/{layer}/{f} ({layer}): includes {inc} of {l}, a layer above')
    return bad


def calls(build, found):
    defs, undefs = {}, {}
    for f, layer in found.items():
        if not f.endswith('.c'):
            continue
        obj = os.path.join(build, 'lib', layer, f[:-2] + '.o')
        if not os.path.exists(obj):
            return [f'{obj}: missing (build first)']
        out = subprocess.run(['nm', obj], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            p = line.split()
            if len(p) == 3 and p[1] in 'TDBRC':
                defs[p[2]] = (f, layer)
            elif len(p) == 2 and p[0] == 'U':
                undefs.setdefault((f, layer), []).append(p[1])
    bad = []
    for (f, layer), syms in sorted(undefs.items()):
        for sym in syms:
            if sym in defs and LAYERS.index(defs[sym][1]) > LAYERS.index(layer):
                d, dl = defs[sym]
                bad.append(f'lib/{layer}/{f} ({layer}): calls {sym} of lib/{dl}/{d}, a layer above')
    return bad


def readmes(src, found):
    bad = []
    for layer in LAYERS:
        path = os.path.join(src, 'lib', layer, 'README')
        text = open(path, encoding='utf-8').read() if os.path.exists(path) else ''
        for f, l in sorted(found.items()):
            if l != layer:
                continue
            if f.endswith('.h') and (f[:-2] + '.c') in found:
                continue  # named with its .c
            if not re.search(r'(^|\s)' + re.escape(f) + r'(\s|$)', text):
                bad.append(f'lib/{layer}/README: does not name {f}')
    return bad


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    src = sys.argv[1]
    found, stray = sources(src)
    layer_of = dict((f, l) for f, l in found.items() if f.endswith('.h'))
    layer_of.update(BUILT)
    bad = [f'{p}: not in a layer folder ({", ".join(LAYERS)})' for p in stray]
    bad += includes(src, found, layer_of)
    if len(sys.argv) == 3:
        bad += calls(sys.argv[2], found)
    bad += readmes(src, found)
    for b in bad:
        print(b)
    sys.exit(1 if bad else 0)


main()
