"""Times and profiles training steps of charlm_qat.py (64 x 64 characters: its run and update, Adam) from the
tree ROOT, to compare the recipe's speed before and after a change (ROOT: a checkout or `git archive` of one):

    /usr/bin/python3 python/recipes/charlm_qat_profile.py ROOT alternating:3 3 /tmp/prof

prints the mean CPU-seconds of N steps after one warm-up step, then cProfile's top entries over two more.
Uses the first 200,000 characters of the training text; not a training run (nothing is saved)."""
import cProfile, importlib.util, os, pstats, sys, time
root, method, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
spec = importlib.util.spec_from_file_location("recipe", os.path.join(root, "python/recipes/charlm_qat.py"))
r = importlib.util.module_from_spec(spec); spec.loader.exec_module(r)
import torch, json
torch.set_num_threads(1); torch.manual_seed(0)
kind, bits = method.split(":")
model = r.build(kind, int(bits))
text = r.load_text()[:200_000]
vocab = json.load(open(os.path.join(root, "samples/CharLm/data/charlm-vocab.json")))
index = {c: i for i, c in enumerate(vocab)}
data = torch.tensor([index[c] for c in text])
xs = data[:64 * 3000].view(64, 3000); ys = data[1:64 * 3000 + 1].view(64, 3000)
opt = torch.optim.Adam(model.parameters(), lr=1e-4)
def steps(count, pos=0, states=None):
    for _ in range(count):
        logits, states = r.run(model, xs[:, pos:pos + 64].t(), states)
        states = [tuple(s.detach() for s in st) for st in states]
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, len(vocab)), ys[:, pos:pos + 64].t().reshape(-1))
        r.update(opt, model, loss); pos += 64
    return loss.item()
steps(1)  # warm-up
t = time.process_time(); steps(n, 64); per = (time.process_time() - t) / n
print(f"{root}: {method}: {per:.2f} CPU-s a step (mean of {n}, after one warm-up step)")
cProfile.run("steps(2, 64 * (n + 1))", out)
pstats.Stats(out).sort_stats("tottime").print_stats(12)
