#!/usr/bin/env node
// Run Python scripts under the MicroPython WebAssembly interpreter (node).
//
//   node tools/mpy/run.mjs [--heap BYTES] SRC_PKG_DIR SCRIPT.py [SCRIPT2.py ...]
//
// SRC_PKG_DIR (e.g. src/muos) is copied, every .py file and its subfolders,
// into the interpreter's filesystem as /lib/<basename> (/lib/muos), and /lib
// is put first on sys.path.  The .py files next to each script are copied to
// /script and put second on sys.path, like CPython's sys.path[0], so a test
// script may import a helper module that sits beside it.
//
// Each script runs in a fresh interpreter (a line "# run.mjs: back to
// JavaScript" splits it in parts run one after the other in it, garbage
// collected between them).  Its stdout is written to ours
// byte for byte; an uncaught exception prints the traceback to stderr and
// makes the exit status 1 (sys.exit(n) gives n).  After a failing script the
// remaining ones still run; the status is that of the first failure.
//
// Needs `npm ci` in tools/mpy first (pinned in package.json / lockfile).

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PKG = "@micropython/micropython-webassembly-pyscript";
// loadMicroPython's `heapsize`: only the initial GC heap. The pyscript build
// grows the heap on demand and collects garbage only when control returns
// to JavaScript, i.e. after runPython(): a script's allocations all stay.
const DEFAULT_HEAP = 16 * 1024 * 1024;

function usage(msg) {
  if (msg) process.stderr.write(`run.mjs: ${msg}\n`);
  process.stderr.write(
    "usage: node tools/mpy/run.mjs [--heap BYTES] SRC_PKG_DIR SCRIPT.py [SCRIPT2.py ...]\n",
  );
  process.exit(2);
}

function parseArgs(argv) {
  let heap = DEFAULT_HEAP;
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--heap" || a.startsWith("--heap=")) {
      const v = a === "--heap" ? argv[++i] : a.slice("--heap=".length);
      const m = /^(\d+)([kKmM]?)$/.exec(v ?? "");
      if (!m) usage(`bad --heap value: ${v}`);
      heap = parseInt(m[1], 10) * ({ k: 1024, m: 1024 * 1024 }[m[2].toLowerCase()] ?? 1);
    } else if (a === "-h" || a === "--help") {
      usage();
    } else {
      rest.push(a);
    }
  }
  if (rest.length < 2) usage("need SRC_PKG_DIR and at least one script");
  return { heap, pkgDir: rest[0], scripts: rest.slice(1) };
}

async function importMicroPython() {
  const file = path.join(HERE, "node_modules", PKG, "micropython.mjs");
  if (!fs.existsSync(file)) {
    process.stderr.write(
      `run.mjs: ${file} not found; run \`npm ci\` in ${HERE} first\n`,
    );
    process.exit(2);
  }
  return (await import(pathToFileURL(file).href)).loadMicroPython;
}

// Collects the interpreter's output. With linebuffer:false the package calls
// back once per byte (with linebuffer:true it drops the final line if it has
// no "\n"), so bytes are gathered here and written in large chunks.
class Sink {
  constructor(fd) {
    this.fd = fd;
    this.buf = Buffer.allocUnsafe(1 << 16);
    this.len = 0;
  }
  put(bytes) {
    for (let i = 0; i < bytes.length; i++) {
      if (this.len === this.buf.length) this.flush();
      this.buf[this.len++] = bytes[i];
    }
  }
  flush() {
    if (this.len === 0) return;
    // writeSync keeps order with the other stream and survives process exit.
    let off = 0;
    while (off < this.len) {
      try {
        off += fs.writeSync(this.fd, this.buf, off, this.len - off);
      } catch (e) {
        if (e.code === "EPIPE") process.exit(1); // reader went away (| head)
        if (e.code !== "EAGAIN") throw e;
      }
    }
    this.len = 0;
  }
}

function listPy(dir, rel = "") {
  // Sorted for a deterministic copy order; __pycache__ and dotfiles skipped.
  const out = [];
  const entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith(".") || e.name === "__pycache__") continue;
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listPy(dir, r));
    else if (e.isFile() && (e.name.endsWith(".py") || e.name.endsWith(".mpy"))) out.push(r);
  }
  return out;
}

function mkdirs(FS, dir) {
  let cur = "";
  for (const part of dir.split("/").filter(Boolean)) {
    cur += "/" + part;
    try {
      FS.mkdir(cur);
    } catch (e) {
      // EEXIST: fine (e.g. /lib exists already in this build).
    }
  }
}

function copyTree(FS, srcDir, files, dest) {
  mkdirs(FS, dest);
  for (const rel of files) {
    const target = `${dest}/${rel}`;
    mkdirs(FS, target.slice(0, target.lastIndexOf("/")));
    FS.writeFile(target, fs.readFileSync(path.join(srcDir, rel)));
  }
}

function pyStr(s) {
  return JSON.stringify(s); // a JSON string literal is a valid Python literal
}

// Exit status for a SystemExit, from the printed exception's last line.
function systemExitStatus(message, stderr) {
  const lines = message.trimEnd().split("\n");
  const m = /^SystemExit:? ?(.*)$/.exec(lines[lines.length - 1] || "");
  const arg = m ? m[1] : "";
  if (arg === "" || arg === "None") return 0;
  if (/^-?\d+$/.test(arg)) return parseInt(arg, 10) & 0xff;
  stderr.put(Buffer.from(arg + "\n"));
  return 1;
}

async function runOne(loadMicroPython, heap, pkgDir, script) {
  const stdout = new Sink(1);
  const stderr = new Sink(2);
  const mp = await loadMicroPython({
    heapsize: heap,
    linebuffer: false,
    stdout: (b) => stdout.put(b),
    stderr: (b) => {
      stdout.flush();
      stderr.put(b);
      stderr.flush();
    },
  });
  const pkgName = path.basename(path.resolve(pkgDir));
  copyTree(mp.FS, pkgDir, listPy(pkgDir), `/lib/${pkgName}`);
  const scriptDir = path.dirname(script);
  copyTree(
    mp.FS,
    scriptDir,
    fs.readdirSync(scriptDir).filter((n) => n.endsWith(".py")).sort(),
    "/script",
  );
  const code = fs.readFileSync(script, "utf8");
  let status = 0;
  try {
    // Leaves no names behind in __main__.
    mp.runPython(
      "import sys as _s\n" +
        "_s.path.insert(0, '/lib')\n" +
        "_s.path.insert(1, '/script')\n" +
        `_s.argv[:] = [${pyStr(script)}]\n` +
        "del _s\n",
    );
    // A line "# run.mjs: back to JavaScript" splits the script: its parts
    // run one after the other in this interpreter, control returning to
    // JavaScript between them, so that the garbage of the parts before is
    // collected (this build collects none while Python runs): heap
    // figures taken after the line show what is kept, not what loading
    // left (tools/mpy/heap.py). Elsewhere the line is a comment.
    for (const part of code.split(/^# run\.mjs: back to JavaScript[^\n]*$/m)) {
      mp.runPython(part);
    }
  } catch (e) {
    stdout.flush();
    if (e && e.name === "PythonError") {
      if (e.type === "SystemExit") {
        status = systemExitStatus(e.message, stderr);
      } else {
        // Frames of the script show as File "<stdin>"; line numbers are right.
        stderr.put(Buffer.from(`run.mjs: uncaught exception in ${script}:\n${e.message}`));
        status = 1;
      }
    } else {
      stderr.put(Buffer.from(`run.mjs: interpreter failure in ${script}: ${e && e.stack || e}\n`));
      status = 1;
    }
  }
  stdout.flush();
  stderr.flush();
  return status;
}

const { heap, pkgDir, scripts } = parseArgs(process.argv.slice(2));
if (!fs.existsSync(pkgDir) || !fs.statSync(pkgDir).isDirectory()) {
  usage(`not a directory: ${pkgDir}`);
}
for (const s of scripts) if (!fs.existsSync(s)) usage(`no such script: ${s}`);

const loadMicroPython = await importMicroPython();
let status = 0;
for (const script of scripts) {
  const st = await runOne(loadMicroPython, heap, pkgDir, script);
  if (status === 0) status = st;
}
process.exitCode = status;
