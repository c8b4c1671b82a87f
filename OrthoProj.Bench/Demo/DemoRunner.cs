using System.Globalization;
using OrthoProj.Bench.Harness;
using Spectre.Console;

namespace OrthoProj.Bench.Demo;

/// <summary>
/// The original report, reproduced: for V = rand(32, 16) float32 and y = e1, the gradients of
/// L1 = sum(pinv(V)) and L2 = sum((Q^T y)^T Q^T) with respect to V (L2 twice: through QR's pullback
/// and through the projector), checked against float64 central differences of the same losses.
/// </summary>
public static class DemoRunner
{
    /// <summary>Runs the demo; returns 0 when the three gradients match their finite differences.</summary>
    public static int Run(IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        CpuBackend cpu = CpuBackend.Default;
        bool cuda = CudaProbe.TryFindDevice(out string cudaNote);
        console.MarkupLine("[bold]Demo: the original report[/] (V = rand(32, 16) float32, y = e1)");
        console.MarkupLine(Markup.Escape($"CPU provider: {cpu.ProviderName} (native: {cpu.IsNative}); CUDA: {(cuda ? cudaNote + (CudaBackend.IsAvailable ? ", OrthoProj CUDA backend: " + CudaBackend.Default!.Description : ", OrthoProj CUDA backend unavailable: " + CudaBackend.DefaultUnavailableReason.Split('\n')[0]) : CudaProbe.ForConsole(cudaNote, present: false))}"));

        using HostMatrixBatch<float> v = OriginalReport.V();
        using HostMatrixBatch<float> y = OriginalReport.E1();
        using HostMatrixBatch<double> vd = HostMatrixBatch<double>.FromArray(v.Span.ToArray().Select(x => (double)x).ToArray(), v.Rows, v.Cols);
        using HostMatrixBatch<double> yd = HostMatrixBatch<double>.FromArray(y.Span.ToArray().Select(x => (double)x).ToArray(), y.Rows, y.Cols);

        bool ok = true;
        using (MatrixBatch<float> g1 = OriginalReport.PinvLossGradient(cpu, v))
        using (MatrixBatch<double> g1d = OriginalReport.PinvLossGradient(cpu, vd))
        {
            ok &= Report(console, "d sum(pinv(V)) / dV", g1.ToArray(), g1d.ToArray(), Fd(vd, x => OriginalReport.PinvLoss(cpu, x)));
        }

        using (MatrixBatch<float> g2 = OriginalReport.QrLossGradient(cpu, v, y))
        using (MatrixBatch<double> g2d = OriginalReport.QrLossGradient(cpu, vd, yd))
        {
            ok &= Report(console, "d sum((Q^T y)^T Q^T) / dV through QrBackward", g2.ToArray(), g2d.ToArray(), Fd(vd, x => OriginalReport.QrLoss(cpu, x, yd)));
        }

        using (MatrixBatch<float> g3 = OriginalReport.ProjectorLossGradient(cpu, v, y))
        using (MatrixBatch<double> g3d = OriginalReport.ProjectorLossGradient(cpu, vd, yd))
        {
            ok &= Report(console, "d sum((Q^T y)^T Q^T) / dV through the projector", g3.ToArray(), g3d.ToArray(), Fd(vd, x => OriginalReport.QrLoss(cpu, x, yd)));
        }

        console.MarkupLine(ok ? "[green]All three gradients agree with float64 finite differences.[/]" : "[red]A gradient disagrees with its finite differences.[/]");
        console.WriteLine();
        return ok ? 0 : 1;
    }

    /// <summary>Central differences (step 1e-6) of <paramref name="loss"/> at every entry of V, in float64.</summary>
    private static double[] Fd(HostMatrixBatch<double> v, Func<HostMatrixBatch<double>, double> loss)
    {
        const double h = 1e-6;
        double[] x = v.Span.ToArray();
        var g = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double[] plus = (double[])x.Clone(), minus = (double[])x.Clone();
            plus[i] += h;
            minus[i] -= h;
            using var bp = HostMatrixBatch<double>.FromArray(plus, v.Rows, v.Cols);
            using var bm = HostMatrixBatch<double>.FromArray(minus, v.Rows, v.Cols);
            g[i] = (loss(bp) - loss(bm)) / (2 * h);
        }

        return g;
    }

    private static bool Report(IAnsiConsole console, string what, float[] g32, double[] g64, double[] fd)
    {
        static double Norm(IEnumerable<double> x) => Math.Sqrt(x.Sum(t => t * t));
        double fdNorm = Norm(fd), fdMax = fd.Max(Math.Abs);
        double err64 = g64.Zip(fd, (a, b) => Math.Abs(a - b)).Max() / fdMax;
        double err32 = g32.Zip(fd, (a, b) => Math.Abs(a - b)).Max() / fdMax;
        var inv = CultureInfo.InvariantCulture;
        string first = string.Join(", ", g32.Take(4).Select(t => t.ToString("0.0000", inv)));
        console.MarkupLine(Markup.Escape(string.Create(inv,
            $"  {what}: G[0..3, 0] = [{first}], |G|_F = {Norm(g32.Select(t => (double)t)):0.0000} (float32), |FD|_F = {fdNorm:0.0000}")));
        bool ok = err64 < 1e-6 && err32 < 1e-3;
        console.MarkupLine(Markup.Escape(string.Create(inv,
            $"    max |G - FD| / max |FD|: float64 {err64:0.0e+0}, float32 {err32:0.0e+0} -> {(ok ? "ok" : "MISMATCH")}")));
        return ok;
    }
}
