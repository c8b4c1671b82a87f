// A small TorchSharp network maps a code x (8 numbers) to a matrix A (32 x 16); the loss asks the
// column space of A to contain a target y: L = mean ||(I - P_A) y||^2. The same network, from the
// same initial weights, is trained twice for a few hundred Adam steps: through OrthoProj
// (TorchLinalg.Residual, one autograd node) and through TorchSharp's own torch.linalg.qr
// (e = y - Q Q^T y). The first step's gradients of both routes are compared in float64.
using System.Diagnostics;
using OrthoProj.TorchSharp;
using TorchSharp;
using static TorchSharp.torch;

// Debian 12: nothing to do here; OrthoProj.TorchSharp's build target prepared this sample's own copy
// of libLibTorchSharp.so (see README, "Debian 12").
const int Batch = 256, Code = 8, M = 32, N = 16, Steps = 300;
int steps = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : Steps;
torch.set_num_threads(1);

var gen = new Generator(2026);
Tensor x = torch.randn([Batch, Code], generator: gen);
Tensor mix = torch.randn([Code, M], generator: gen);
Tensor y = torch.tanh(x.matmul(mix)).unsqueeze(-1);      // a target that depends on the code

// The first step's gradient, in float64, through both routes from the same weights.
{
    var net64 = Network(seed: 1).to(ScalarType.Float64);
    double[] ours = Gradient(net64, x.to(ScalarType.Float64), y.to(ScalarType.Float64), useOrthoProj: true);
    double[] theirs = Gradient(net64, x.to(ScalarType.Float64), y.to(ScalarType.Float64), useOrthoProj: false);
    double diff = Math.Sqrt(ours.Zip(theirs, (a, b) => (a - b) * (a - b)).Sum()), norm = Math.Sqrt(theirs.Sum(b => b * b));
    Console.WriteLine($"first-step gradient, float64: |g_OrthoProj - g_torch.linalg.qr| / |g| = {diff / norm:E2} over {ours.Length} parameters");
}

foreach (bool useOrthoProj in new[] { true, false })
{
    var net = Network(seed: 1);
    var optimizer = torch.optim.Adam(net.parameters(), lr: 1e-3);
    var times = new List<double>();
    var losses = new List<double>();
    for (int step = 0; step < steps; step++)
    {
        using var scope = torch.NewDisposeScope();
        var clock = Stopwatch.StartNew();
        optimizer.zero_grad();
        Tensor loss = Loss(net, x, y, useOrthoProj);
        loss.backward();
        optimizer.step();
        times.Add(clock.Elapsed.TotalMilliseconds);
        losses.Add(loss.item<float>());
    }

    times.Sort();
    string route = useOrthoProj ? "OrthoProj TorchLinalg.Residual" : "torch.linalg.qr";
    Console.WriteLine($"{route,-31} loss {losses[0]:F5} -> {losses[^1]:F5} (steps 0, {steps / 4}, {steps / 2}, {3 * steps / 4}: " +
        $"{losses[0]:F4}, {losses[steps / 4]:F4}, {losses[steps / 2]:F4}, {losses[3 * steps / 4]:F4}); median step {times[times.Count / 2]:F2} ms");
}

// The adapter's overhead: one residual forward and backward of the same batch through TorchLinalg
// (tensors in, tensors out, an autograd node) and through the bare OrthoProj API on host batches.
{
    Tensor a = Network(seed: 1).call(x).reshape(-1, M, N).detach();
    Tensor ge = torch.ones_like(y);
    var aBatch = OrthoProj.HostMatrixBatch<float>.FromArray(a.transpose(-1, -2).contiguous().data<float>().ToArray(), M, N, Batch);
    var yBatch = OrthoProj.HostMatrixBatch<float>.FromArray(y.data<float>().ToArray(), M, 1, Batch);
    var geBatch = OrthoProj.HostMatrixBatch<float>.FromArray(ge.data<float>().ToArray(), M, 1, Batch);
    double bare = Median(() =>
    {
        using var p = OrthoProj.Linalg.Projector(aBatch);
        using var e = p.Residual(yBatch);
        using var g = p.ResidualBackward(yBatch, geBatch);
    });
    Tensor leaf = a.clone().requires_grad_(true);     // its gradient accumulates over the repetitions: one add each
    double adapter = Median(() =>
    {
        using var scope = torch.NewDisposeScope();
        TorchLinalg.Residual(leaf, y).backward([ge]);
    });
    Console.WriteLine($"residual forward + backward of {Batch} x {M} x {N}: bare OrthoProj {bare:F3} ms, through TorchLinalg {adapter:F3} ms (adapter overhead {adapter - bare:F3} ms)");
}

static double Median(Action body)
{
    var times = new List<double>();
    for (int i = 0; i < 60; i++)
    {
        var clock = Stopwatch.StartNew();
        body();
        times.Add(clock.Elapsed.TotalMilliseconds);
    }

    times.Sort();
    return times[times.Count / 2];
}

static nn.Module<Tensor, Tensor> Network(long seed)
{
    torch.manual_seed(seed);
    return nn.Sequential(nn.Linear(Code, 128), nn.Tanh(), nn.Linear(128, M * N));
}

static Tensor Loss(nn.Module<Tensor, Tensor> net, Tensor x, Tensor y, bool useOrthoProj)
{
    Tensor a = net.call(x).reshape(-1, M, N);
    Tensor e = useOrthoProj ? TorchLinalg.Residual(a, y) : y - Project(a, y);
    return e.square().sum([1, 2]).mean();

    static Tensor Project(Tensor a, Tensor y)
    {
        Tensor q = torch.linalg.qr(a).Q;
        return q.matmul(q.transpose(-2, -1).matmul(y));
    }
}

static double[] Gradient(nn.Module<Tensor, Tensor> net, Tensor x, Tensor y, bool useOrthoProj)
{
    net.zero_grad();
    Loss(net, x, y, useOrthoProj).backward();
    return [.. net.parameters().SelectMany(p => p.grad!.data<double>().ToArray())];
}
