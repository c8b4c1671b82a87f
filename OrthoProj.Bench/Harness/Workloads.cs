using System.Globalization;

namespace OrthoProj.Bench.Harness;

/// <summary>What one timed call computes. Names are what the command line and the peer script use.</summary>
public enum Workload
{
    /// <summary>Factor A (QR projector) and z = P y.</summary>
    ProjectForward,

    /// <summary>Backward of z = P y (gA and gy) from a projector built outside the timed region.</summary>
    ProjectBackward,

    /// <summary>Forward and backward of z = P y, the loss of the original report.</summary>
    ProjectBoth,

    /// <summary>Reduced QR: Q and R.</summary>
    QrForward,

    /// <summary>QR backward from Q, R and cotangents gQ, gR.</summary>
    QrBackward,

    /// <summary>Pseudo-inverse through the SVD.</summary>
    PinvForward,

    /// <summary>Pseudo-inverse backward (Golub-Pereyra).</summary>
    PinvBackward,

    /// <summary>Least squares x = A+ y (QR projector + solve).</summary>
    LeastSquares,
}

/// <summary>Element type of a case.</summary>
public enum Dtype
{
    /// <summary>float32.</summary>
    F32,

    /// <summary>float64.</summary>
    F64,

    /// <summary>complex64 (<see cref="OrthoProj.Complex64"/>: two floats, real first).</summary>
    C64,

    /// <summary>complex128 (<see cref="System.Numerics.Complex"/>: two doubles, real first).</summary>
    C128,
}

/// <summary>Where a case runs.</summary>
public enum BenchDevice
{
    /// <summary>Host CPU.</summary>
    Cpu,

    /// <summary>CUDA GPU.</summary>
    Cuda,
}

/// <summary>Names, flop and byte models of the workloads.</summary>
public static class Workloads
{
    /// <summary>All workloads, in report order.</summary>
    public static IReadOnlyList<Workload> All { get; } = Enum.GetValues<Workload>();

    /// <summary>The command-line / JSON name, e.g. "proj.both".</summary>
    public static string Name(this Workload w) => w switch
    {
        Workload.ProjectForward => "proj.fwd",
        Workload.ProjectBackward => "proj.bwd",
        Workload.ProjectBoth => "proj.both",
        Workload.QrForward => "qr.fwd",
        Workload.QrBackward => "qr.bwd",
        Workload.PinvForward => "pinv.fwd",
        Workload.PinvBackward => "pinv.bwd",
        Workload.LeastSquares => "lstsq",
        _ => throw new ArgumentOutOfRangeException(nameof(w), w, null),
    };

    /// <summary>Parses a name such as "proj.both" (or "proj" / "qr" / "pinv" for all of a family).</summary>
    public static IEnumerable<Workload> Parse(string name)
    {
        string n = name.Trim().ToLowerInvariant();
        var exact = All.Where(w => w.Name() == n).ToList();
        if (exact.Count > 0)
        {
            return exact;
        }

        var family = All.Where(w => w.Name().StartsWith(n + ".", StringComparison.Ordinal)).ToList();
        return family.Count > 0
            ? family
            : throw new ArgumentException($"Unknown workload '{name}'. Known: {string.Join(", ", All.Select(Name))} (or a family: proj, qr, pinv).");
    }

    /// <summary>Every element type, in the order the command line lists them.</summary>
    public static IReadOnlyList<Dtype> AllDtypes { get; } = Enum.GetValues<Dtype>();

    /// <summary>"f32", "f64", "c64" or "c128" (the command line's and the peers' names).</summary>
    public static string Name(this Dtype d) => d switch
    {
        Dtype.F32 => "f32",
        Dtype.F64 => "f64",
        Dtype.C64 => "c64",
        Dtype.C128 => "c128",
        _ => throw new ArgumentOutOfRangeException(nameof(d), d, null),
    };

    /// <summary>Parses "f32", "f64", "c64" or "c128".</summary>
    public static Dtype ParseDtype(string name)
    {
        string n = name.Trim().ToLowerInvariant();
        foreach (Dtype d in AllDtypes)
        {
            if (d.Name() == n)
            {
                return d;
            }
        }

        throw new ArgumentException($"Unknown dtype '{name}'. Known: {string.Join(", ", AllDtypes.Select(t => t.Name()))}.");
    }

    /// <summary>Bytes per element: 4, 8, 8 (two floats), 16 (two doubles).</summary>
    public static int Size(this Dtype d) => d switch
    {
        Dtype.F32 => 4,
        Dtype.F64 => 8,
        Dtype.C64 => 8,
        Dtype.C128 => 16,
        _ => throw new ArgumentOutOfRangeException(nameof(d), d, null),
    };

    /// <summary>Whether the elements are complex.</summary>
    public static bool IsComplex(this Dtype d) => d is Dtype.C64 or Dtype.C128;

    /// <summary>The real type a dtype is made of (f32 for c64, f64 for c128): the FMA peak its rate is read against.</summary>
    public static Dtype Real(this Dtype d) => d switch
    {
        Dtype.C64 => Dtype.F32,
        Dtype.C128 => Dtype.F64,
        _ => d,
    };

    /// <summary>
    /// Real flops per flop of the real model: 1 for real elements, 4 for complex ones. A complex
    /// multiply-add is 4 real multiply-adds (8 flops), and every leading term of the model is a
    /// multiply-add count, so the complex count is the real one times 4.
    /// </summary>
    public static double FlopFactor(this Dtype d) => d.IsComplex() ? 4.0 : 1.0;

    /// <summary>"cpu" or "cuda".</summary>
    public static string Name(this BenchDevice d) => d == BenchDevice.Cpu ? "cpu" : "cuda";

    /// <summary>
    /// Model flop count per matrix (LAWN 41 counts, leading terms): geqrf 2mn^2 - 2n^3/3, orgqr the
    /// same, applying Q or Q^T to p columns 4mnp, a triangular solve n^2 p, R^-1 n^3/3. Pinv of the
    /// bench's full-rank inputs is counted on the QR route (geqrf, orgqr, R^-1 for the rank proof,
    /// Q R^-T), the least any method needs; its backward as Golub and Pereyra's terms rewritten on
    /// X^T = A X X^T at full rank, gA = G^T S - A (K + K^T) (8mn^2 + 2n^3). A model, stated in the report, not a measured count.
    /// These are real flops of real elements. For complex elements a complex multiply-add is 4 real
    /// multiply-adds (8 flops), so the model is multiplied by 4 (<see cref="FlopFactor"/>, applied by
    /// <see cref="BenchCase.Flops"/>): the rate stays in real FMA terms and is read against the real
    /// type's peak (f32 for c64, f64 for c128).
    /// </summary>
    public static double Flops(Workload w, int m, int n, int p)
    {
        double geqrf = (2.0 * m * n * n) - (2.0 * n * n * n / 3.0);
        double orgqr = geqrf;
        double applyQ = 4.0 * m * n * p;
        double trsm = (double)n * n * p;
        double projFwd = geqrf + (2 * applyQ);
        double projBwd = (3 * applyQ) + (2 * trsm) + (4.0 * m * n * p);
        return w switch
        {
            Workload.ProjectForward => projFwd,
            Workload.ProjectBackward => projBwd,
            Workload.ProjectBoth => projFwd + projBwd,
            Workload.QrForward => geqrf + orgqr,
            Workload.QrBackward => 5.0 * m * n * n,
            Workload.PinvForward => geqrf + orgqr + (n * n * n / 3.0) + ((double)m * n * n),
            Workload.PinvBackward => (8.0 * m * n * n) + (2.0 * n * n * n),
            Workload.LeastSquares => geqrf + applyQ + trsm,
            _ => 0,
        };
    }

    /// <summary>
    /// Compulsory memory traffic per matrix in elements: inputs read once and outputs written once
    /// (the roofline's lower bound; caches hold small matrices).
    /// </summary>
    public static double Elements(Workload w, int m, int n, int p)
    {
        double a = (double)m * n, y = (double)m * p;
        return w switch
        {
            Workload.ProjectForward => a + y + y,
            Workload.ProjectBackward => a + y + y + a + y,
            Workload.ProjectBoth => a + y + y + y + a + y,
            Workload.QrForward => a + a + ((double)n * n),
            Workload.QrBackward => a + (2.0 * n * n) + a + a,
            Workload.PinvForward => a + a,
            Workload.PinvBackward => a + a + a + a,
            Workload.LeastSquares => a + y + ((double)n * p),
            _ => 0,
        };
    }
}

/// <summary>A batch shape: count matrices of m x n, with p right-hand-side columns where the workload takes Y.</summary>
public readonly record struct BatchShape(int Count, int M, int N, int P = 1)
{
    /// <summary>"4096x32x16" (count x m x n), the form the command line takes.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Count}x{M}x{N}");

    /// <summary>Parses "4096x32x16" or "2048x512" (count 1).</summary>
    public static BatchShape Parse(string s)
    {
        int[] parts = s.Trim().ToLowerInvariant().Split('x').Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        return parts.Length switch
        {
            2 => new BatchShape(1, parts[0], parts[1]),
            3 => new BatchShape(parts[0], parts[1], parts[2]),
            _ => throw new FormatException($"A size is count x m x n (e.g. 4096x32x16) or m x n (e.g. 2048x512); got '{s}'."),
        };
    }
}

/// <summary>One cell of the benchmark: a workload on a shape, a dtype and a device.</summary>
/// <param name="Threads">
/// OrthoProj's threads for this case alone (0: the run's). A case of its own thread count measures
/// OrthoProj's scaling next to the same case at the run's count; the baselines run at the run's count
/// only and report it skipped.
/// </param>
public sealed record BenchCase(Workload Workload, BatchShape Shape, Dtype Dtype, BenchDevice Device, int Threads = 0)
{
    /// <summary>A stable identifier, e.g. "cpu/proj.both/4096x32x16/f32" (and "/2t" for a case of its own thread count).</summary>
    public string Id => $"{Device.Name()}/{Workload.Name()}/{Shape}/{Dtype.Name()}" + (Threads > 0 ? $"/{Threads}t" : string.Empty);

    /// <summary>The shape as the tables show it: "4096x32x16", or "4096x32x16 2t" for a case of its own thread count.</summary>
    public string ShapeLabel => Threads > 0 ? $"{Shape} {Threads}t" : Shape.ToString();

    /// <summary>Model flops of the whole batch, in real flops (times 4 for complex elements: <see cref="Workloads.FlopFactor"/>).</summary>
    public double Flops => Shape.Count * Workloads.Flops(Workload, Shape.M, Shape.N, Shape.P) * Dtype.FlopFactor();

    /// <summary>Compulsory bytes of the whole batch.</summary>
    public double Bytes => Shape.Count * Workloads.Elements(Workload, Shape.M, Shape.N, Shape.P) * Dtype.Size();

    /// <summary>Whether the flop rate is the meaningful figure (large single matrices) rather than bandwidth (batched small).</summary>
    public bool ComputeBound => Shape.N >= 128;
}
