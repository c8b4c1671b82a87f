using System.Globalization;
using System.Numerics;
using OrthoProj.Bench.Harness;

namespace OrthoProj.Bench.Targets;

/// <summary>
/// Times OrthoProj's public API on one backend, and checks each case's result once (outside the
/// timed region) so that a broken kernel cannot produce a fast-looking row: forward results by
/// identities that hold only for the right answer (Penrose conditions, normal equations, Q R = A,
/// Q^H Q = I), backward results by a float64 (complex128 for complex elements) central finite
/// difference of the same real scalar loss along a random direction. Runs every element type:
/// float, double, <see cref="Complex64"/> and <see cref="Complex"/>; complex batches take the
/// general path (LAPACK per matrix), never the SIMD lanes, and the CUDA backend refuses them.
/// </summary>
public sealed class OrthoProjTarget(Backend backend, IBenchClock clock, Backend reference, int threads)
{
    /// <summary>What every complex row's note says about the path OrthoProj takes for it.</summary>
    public const string ComplexPathNote = "general path (complex: LAPACK per matrix; the SIMD lanes are real-only)";

    /// <summary>The backend under test.</summary>
    public Backend Backend { get; } = backend;

    /// <summary>Runs a case: inputs, validation, timing.</summary>
    public ResultRow Run(BenchCase c, RepPolicy policy, int seed)
    {
        ArgumentNullException.ThrowIfNull(c);
        return c.Dtype switch
        {
            Dtype.F32 => Run<float>(c, policy, seed),
            Dtype.F64 => Run<double>(c, policy, seed),
            Dtype.C64 => Run<Complex64>(c, policy, seed),
            Dtype.C128 => Run<Complex>(c, policy, seed),
            _ => throw new ArgumentOutOfRangeException(nameof(c), c.Dtype, null),
        };
    }

    private ResultRow Run<T>(BenchCase c, RepPolicy policy, int seed)
        where T : unmanaged, INumberBase<T>
    {
        var (count, m, n, p) = c.Shape;
        string note = Inputs.IsComplex<T>() ? $"{Backend.Description}; {ComplexPathNote}" : Backend.Description;
        using var hostA = Inputs.Uniform<T>(m, n, count, seed);
        using var hostY = Inputs.Uniform<T>(m, p, count, seed + 1);
        using MatrixBatch<T> a = Backend.FromHost(hostA);
        using MatrixBatch<T> y = Backend.FromHost(hostY);
        Cotangents<T>? cot = null;
        try
        {
            cot = new Cotangents<T>(Backend, c.Shape, seed + 2);
            (Action call, Func<string> validate, IDisposable? state) = Prepare(c.Workload, a, y, cot);
            using (state)
            {
                string validation;
                bool ok;
                try
                {
                    validation = validate();
                    ok = true;
                }
                catch (ValidationException ex)
                {
                    validation = ex.Message;
                    ok = false;
                }

                if (!ok)
                {
                    return new ResultRow { CaseId = c.Id, Implementation = Implementations.OrthoProj, Status = RowStatus.Failed, Note = "validation failed" + (Inputs.IsComplex<T>() ? "; " + ComplexPathNote : string.Empty), Validated = false, Validation = validation, Threads = threads };
                }

                TimingStats stats = Sampler.Run(clock, policy, call);
                return new ResultRow
                {
                    CaseId = c.Id,
                    Implementation = Implementations.OrthoProj,
                    Status = RowStatus.Ok,
                    Note = note,
                    SamplesSeconds = stats.Samples,
                    Warmup = stats.Warmup,
                    Threads = threads,
                    Validated = true,
                    Validation = validation,
                };
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return new ResultRow { CaseId = c.Id, Implementation = Implementations.OrthoProj, Status = RowStatus.Failed, Note = $"{ex.GetType().Name}: {ex.Message}" + (Inputs.IsComplex<T>() ? "; " + ComplexPathNote : string.Empty), Validated = false, Threads = threads };
        }
        finally
        {
            cot?.Dispose();
        }
    }

    private (Action Call, Func<string> Validate, IDisposable? State) Prepare<T>(Workload w, MatrixBatch<T> a, MatrixBatch<T> y, Cotangents<T> cot)
        where T : unmanaged, INumberBase<T>
    {
        Backend b = Backend;
        switch (w)
        {
            case Workload.ProjectForward:
                return (() =>
                {
                    using Projector<T> pr = b.Projector(a);
                    using MatrixBatch<T> z = pr.Project(y);
                }, () => ValidateProjection(a, y), null);

            case Workload.ProjectBackward:
            {
                Projector<T> pr = b.Projector(a);
                return (() =>
                {
                    using ProjectorGradients<T> g = pr.ProjectBackward(y, cot.Z);
                }, () =>
                {
                    using ProjectorGradients<T> g = pr.ProjectBackward(y, cot.Z);
                    return ValidateProjectionGradient(a, y, cot.Z, g);
                }, pr);
            }

            case Workload.ProjectBoth:
                return (() =>
                {
                    using Projector<T> pr = b.Projector(a);
                    using MatrixBatch<T> z = pr.Project(y);
                    using ProjectorGradients<T> g = pr.ProjectBackward(y, cot.Z);
                }, () =>
                {
                    string f = ValidateProjection(a, y);
                    using Projector<T> pr = b.Projector(a);
                    using ProjectorGradients<T> g = pr.ProjectBackward(y, cot.Z);
                    return f + "; " + ValidateProjectionGradient(a, y, cot.Z, g);
                }, null);

            case Workload.QrForward:
                return (() =>
                {
                    using QrResult<T> qr = b.Qr(a);
                }, () => ValidateQr(a), null);

            case Workload.QrBackward:
            {
                QrResult<T> qr = b.Qr(a);
                return (() =>
                {
                    using MatrixBatch<T> g = b.QrBackward(qr.Q, qr.R, cot.Q, cot.R);
                }, () =>
                {
                    using MatrixBatch<T> g = b.QrBackward(qr.Q, qr.R, cot.Q, cot.R);
                    return ValidateGradient(a, g, ad => QrLoss(ad, a, cot));
                }, qr);
            }

            case Workload.PinvForward:
                return (() =>
                {
                    using PinvResult<T> p = b.Pinv(a);
                }, () => ValidatePinv(a), null);

            case Workload.PinvBackward:
            {
                PinvResult<T> pinv = b.Pinv(a);
                return (() =>
                {
                    using MatrixBatch<T> g = b.PinvBackward(a, pinv.Pinv, cot.X);
                }, () =>
                {
                    using MatrixBatch<T> g = b.PinvBackward(a, pinv.Pinv, cot.X);
                    return ValidateGradient(a, g, ad => PinvLoss(ad, a, cot));
                }, pinv);
            }

            case Workload.LeastSquares:
                return (() =>
                {
                    using Projector<T> pr = b.Projector(a);
                    using MatrixBatch<T> x = pr.Solve(y);
                }, () => ValidateLeastSquares(a, y), null);

            default:
                throw new ArgumentOutOfRangeException(nameof(w), w, null);
        }
    }

    // Observed on random inputs: forward identities ~1e-6 (f32) / 1e-14 (f64), directional
    // derivatives ~1e-5 (f32) / 1e-8 (f64, limited by the finite difference itself): two orders of margin.
    // Complex elements are checked against the tolerances of the real type they are made of.
    private static double Tol<T>() => Inputs.IsSingle<T>() ? 1e-4 : 1e-9;

    private static double GradTol<T>() => Inputs.IsSingle<T>() ? 1e-3 : 1e-5;

    private static string Report(string what, double err, double tol)
    {
        string s = string.Create(CultureInfo.InvariantCulture, $"{what} {err:0.0e+0} (tol {tol:0e+0})");
        return err <= tol && double.IsFinite(err) ? s : throw new ValidationException(s);
    }

    /// <summary>z = P y iff z = A x for some x and A^H (y - z) = 0; x comes from Solve (another code path).</summary>
    private string ValidateProjection<T>(MatrixBatch<T> a, MatrixBatch<T> y)
        where T : unmanaged, INumberBase<T>
    {
        using Projector<T> pr = Backend.Projector(a);
        using MatrixBatch<T> z = pr.Project(y);
        using MatrixBatch<T> x = pr.Solve(y);
        Complex[] ad = Inputs.ToComplex(a), yd = Inputs.ToComplex(y), zd = Inputs.ToComplex(z), xd = Inputs.ToComplex(x);
        int m = a.Rows, n = a.Cols, p = y.Cols;
        double eRange = 0, eOrth = 0;
        for (int b = 0; b < a.Count; b++)
        {
            double normA = DenseC.Norm(DenseC.Slice(ad, b, m * n));
            for (int k = 0; k < p; k++)
            {
                var yk = DenseC.Slice(yd, (b * p) + k, m);
                var zk = DenseC.Slice(zd, (b * p) + k, m);
                var xk = DenseC.Slice(xd, (b * p) + k, n);
                double ny = DenseC.Norm(yk);
                eRange = Math.Max(eRange, DenseC.Norm(DenseC.Sub(zk, DenseC.MatVec(ad, b, m, n, xk, false))) / ny);
                eOrth = Math.Max(eOrth, DenseC.Norm(DenseC.MatVec(ad, b, m, n, DenseC.Sub(yk, zk), true)) / (normA * ny));
            }
        }

        return Report("|z - A x|/|y|", eRange, Tol<T>()) + ", " + Report("|A^H(y - z)|/(|A||y|)", eOrth, Tol<T>());
    }

    private string ValidateLeastSquares<T>(MatrixBatch<T> a, MatrixBatch<T> y)
        where T : unmanaged, INumberBase<T>
    {
        using Projector<T> pr = Backend.Projector(a);
        using MatrixBatch<T> x = pr.Solve(y);
        Complex[] ad = Inputs.ToComplex(a), yd = Inputs.ToComplex(y), xd = Inputs.ToComplex(x);
        int m = a.Rows, n = a.Cols, p = y.Cols;
        double e = 0;
        for (int b = 0; b < a.Count; b++)
        {
            double normA = DenseC.Norm(DenseC.Slice(ad, b, m * n));
            for (int k = 0; k < p; k++)
            {
                var yk = DenseC.Slice(yd, (b * p) + k, m);
                var xk = DenseC.Slice(xd, (b * p) + k, n);
                Complex[] r = DenseC.Sub(yk, DenseC.MatVec(ad, b, m, n, xk, false));
                e = Math.Max(e, DenseC.Norm(DenseC.MatVec(ad, b, m, n, r, true)) / (normA * DenseC.Norm(yk)));
            }
        }

        return Report("normal equations |A^H(y - A x)|/(|A||y|)", e, Tol<T>());
    }

    /// <summary>Q R v = A v and Q^H Q w = w for random v, w (O(m n) checks of O(m n^2) results).</summary>
    private string ValidateQr<T>(MatrixBatch<T> a)
        where T : unmanaged, INumberBase<T>
    {
        using QrResult<T> qr = Backend.Qr(a);
        Complex[] ad = Inputs.ToComplex(a), qd = Inputs.ToComplex(qr.Q), rd = Inputs.ToComplex(qr.R);
        int m = a.Rows, n = a.Cols, k = Math.Min(m, n);
        bool complex = Inputs.IsComplex<T>();
        var rng = new Random(7);
        double eFact = 0, eOrth = 0, eTri = 0;
        for (int b = 0; b < a.Count; b++)
        {
            Complex[] v = DenseC.Random(n, rng, complex), w = DenseC.Random(k, rng, complex);
            Complex[] av = DenseC.MatVec(ad, b, m, n, v, false);
            Complex[] qrv = DenseC.MatVec(qd, b, m, k, DenseC.MatVec(rd, b, k, n, v, false), false);
            eFact = Math.Max(eFact, DenseC.Norm(DenseC.Sub(qrv, av)) / (DenseC.Norm(DenseC.Slice(ad, b, m * n)) * DenseC.Norm(v)));
            Complex[] qhqw = DenseC.MatVec(qd, b, m, k, DenseC.MatVec(qd, b, m, k, w, false), true);
            eOrth = Math.Max(eOrth, DenseC.Norm(DenseC.Sub(qhqw, w)) / DenseC.Norm(w));
            for (int j = 0; j < n; j++)
            {
                for (int i = j + 1; i < k; i++)
                {
                    eTri = Math.Max(eTri, Complex.Abs(rd[(b * k * n) + (j * k) + i]));
                }
            }
        }

        return Report("|QRv - Av|/(|A||v|)", eFact, Tol<T>()) + ", " + Report("|Q^HQw - w|/|w|", eOrth, Tol<T>()) + ", " + Report("max |tril(R)|", eTri, 0);
    }

    /// <summary>Penrose conditions along random vectors: A X A v = A v and X A X u = X u.</summary>
    private string ValidatePinv<T>(MatrixBatch<T> a)
        where T : unmanaged, INumberBase<T>
    {
        using PinvResult<T> pinv = Backend.Pinv(a);
        Complex[] ad = Inputs.ToComplex(a), xd = Inputs.ToComplex(pinv.Pinv);
        int m = a.Rows, n = a.Cols;
        bool complex = Inputs.IsComplex<T>();
        var rng = new Random(11);
        double e1 = 0, e2 = 0;
        for (int b = 0; b < a.Count; b++)
        {
            double normA = DenseC.Norm(DenseC.Slice(ad, b, m * n)), normX = DenseC.Norm(DenseC.Slice(xd, b, m * n));
            Complex[] v = DenseC.Random(n, rng, complex), u = DenseC.Random(m, rng, complex);
            Complex[] av = DenseC.MatVec(ad, b, m, n, v, false);
            Complex[] axav = DenseC.MatVec(ad, b, m, n, DenseC.MatVec(xd, b, n, m, av, false), false);
            e1 = Math.Max(e1, DenseC.Norm(DenseC.Sub(axav, av)) / (normA * normX * DenseC.Norm(av)));
            Complex[] xu = DenseC.MatVec(xd, b, n, m, u, false);
            Complex[] xaxu = DenseC.MatVec(xd, b, n, m, DenseC.MatVec(ad, b, m, n, xu, false), false);
            e2 = Math.Max(e2, DenseC.Norm(DenseC.Sub(xaxu, xu)) / (normA * normX * DenseC.Norm(xu)));
        }

        return Report("|AXAv - Av|", e1, Tol<T>()) + ", " + Report("|XAXu - Xu|", e2, Tol<T>());
    }

    /// <summary>
    /// Checks &lt;gA, D&gt; (the real pairing Re sum conj(gA) D, torch's convention for complex
    /// gradients) against a central difference of the loss in float64 (complex128) on the reference
    /// backend, relative to |gA| |D| / sqrt(N) (the size of a random directional derivative). D is
    /// complex for complex elements, so both the real and the imaginary parts of gA are checked.
    /// </summary>
    private static string ValidateGradient<T>(MatrixBatch<T> a, MatrixBatch<T> gradA, Func<Complex[], double> loss)
        where T : unmanaged, INumberBase<T>
    {
        Complex[] ad = Inputs.ToComplex(a), g = Inputs.ToComplex(gradA);
        Complex[] d = DenseC.Random(ad.Length, new Random(13), Inputs.IsComplex<T>());
        const double h = 1e-6;
        var plus = new Complex[ad.Length];
        var minus = new Complex[ad.Length];
        for (int i = 0; i < ad.Length; i++)
        {
            plus[i] = ad[i] + (h * d[i]);
            minus[i] = ad[i] - (h * d[i]);
        }

        double fd = (loss(plus) - loss(minus)) / (2 * h);
        double an = DenseC.Dot(g, d);
        double scale = DenseC.Norm(g) * DenseC.Norm(d) / Math.Sqrt(ad.Length);
        return Report("directional derivative vs float64 central difference", Math.Abs(an - fd) / Math.Max(scale, double.Epsilon), GradTol<T>());
    }

    private string ValidateProjectionGradient<T>(MatrixBatch<T> a, MatrixBatch<T> y, MatrixBatch<T> gz, ProjectorGradients<T> g)
        where T : unmanaged, INumberBase<T>
    {
        Complex[] yd = Inputs.ToComplex(y), gzd = Inputs.ToComplex(gz), gy = Inputs.ToComplex(g.GradY);
        Complex[] dy = DenseC.Random(yd.Length, new Random(17), Inputs.IsComplex<T>());
        int m = a.Rows, n = a.Cols, count = a.Count, p = y.Cols;

        // L(A, y) = Re<gz, P(A) y>; linear in y, so its y-part is Re<gz, P dy> exactly: checked apart from A.
        double Loss(Complex[] ad, Complex[] yv) => Inputs.IsComplex<T>() ? ProjectLoss<Complex>(ad, yv) : ProjectLoss<double>(ad, yv);

        double ProjectLoss<TR>(Complex[] ad, Complex[] yv)
            where TR : unmanaged, INumberBase<TR>
        {
            using MatrixBatch<TR> ab = reference.FromHost<TR>(Inputs.FromComplex<TR>(ad), m, n, count);
            using MatrixBatch<TR> yb = reference.FromHost<TR>(Inputs.FromComplex<TR>(yv), m, p, count);
            using Projector<TR> pr = reference.Projector(ab);
            using MatrixBatch<TR> z = pr.Project(yb);
            return DenseC.Dot(gzd, Inputs.ToComplex(z));
        }

        Complex[] a0 = Inputs.ToComplex(a);
        string gradA = ValidateGradient(a, g.GradA, ad => Loss(ad, yd));
        double fdY = Loss(a0, dy);
        double anY = DenseC.Dot(gy, dy);
        double scaleY = DenseC.Norm(gy) * DenseC.Norm(dy) / Math.Sqrt(dy.Length);
        return "gA: " + gradA + "; gy: " + Report("<gy, dy> vs <gz, P dy>", Math.Abs(anY - fdY) / Math.Max(scaleY, double.Epsilon), GradTol<T>());
    }

    private double QrLoss<T>(Complex[] ad, MatrixBatch<T> a, Cotangents<T> cot)
        where T : unmanaged, INumberBase<T>
    {
        Complex[] gq = Inputs.ToComplex(cot.Q), gr = Inputs.ToComplex(cot.R);
        return Inputs.IsComplex<T>() ? Loss<Complex>() : Loss<double>();

        double Loss<TR>()
            where TR : unmanaged, INumberBase<TR>
        {
            using MatrixBatch<TR> ab = reference.FromHost<TR>(Inputs.FromComplex<TR>(ad), a.Rows, a.Cols, a.Count);
            using QrResult<TR> qr = reference.Qr(ab);
            return DenseC.Dot(gq, Inputs.ToComplex(qr.Q)) + DenseC.Dot(gr, Inputs.ToComplex(qr.R));
        }
    }

    private double PinvLoss<T>(Complex[] ad, MatrixBatch<T> a, Cotangents<T> cot)
        where T : unmanaged, INumberBase<T>
    {
        Complex[] gx = Inputs.ToComplex(cot.X);
        return Inputs.IsComplex<T>() ? Loss<Complex>() : Loss<double>();

        double Loss<TR>()
            where TR : unmanaged, INumberBase<TR>
        {
            using MatrixBatch<TR> ab = reference.FromHost<TR>(Inputs.FromComplex<TR>(ad), a.Rows, a.Cols, a.Count);
            using PinvResult<TR> p = reference.Pinv(ab);
            return DenseC.Dot(gx, Inputs.ToComplex(p.Pinv));
        }
    }

    /// <summary>Seeded cotangents for every output shape: gz (m x p), gQ (m x k), gR (k x n), gX (n x m).</summary>
    private sealed class Cotangents<T> : IDisposable
        where T : unmanaged, INumberBase<T>
    {
        public Cotangents(Backend backend, BatchShape s, int seed)
        {
            int k = Math.Min(s.M, s.N);
            using var z = Inputs.Uniform<T>(s.M, s.P, s.Count, seed);
            using var q = Inputs.Uniform<T>(s.M, k, s.Count, seed + 1);
            using var r = Inputs.Uniform<T>(k, s.N, s.Count, seed + 2);

            // R's strict lower triangle is identically zero, so a cotangent there means nothing: keep gR upper.
            // For complex elements R's diagonal is real (LAPACK's reflectors), so the imaginary part of
            // a cotangent there means nothing either: keep gR's diagonal real.
            for (int b = 0; b < s.Count; b++)
            {
                for (int j = 0; j < s.N; j++)
                {
                    if (j < k && Inputs.IsComplex<T>())
                    {
                        r[b, j, j] = Inputs.FromComplex<T>(new Complex(Inputs.AsComplex(r[b, j, j]).Real, 0));
                    }

                    for (int i = j + 1; i < k; i++)
                    {
                        r[b, i, j] = T.Zero;
                    }
                }
            }

            using var x = Inputs.Uniform<T>(s.N, s.M, s.Count, seed + 3);
            Z = backend.FromHost(z);
            Q = backend.FromHost(q);
            R = backend.FromHost(r);
            X = backend.FromHost(x);
        }

        public MatrixBatch<T> Z { get; }

        public MatrixBatch<T> Q { get; }

        public MatrixBatch<T> R { get; }

        public MatrixBatch<T> X { get; }

        public void Dispose()
        {
            Z.Dispose();
            Q.Dispose();
            R.Dispose();
            X.Dispose();
        }
    }
}

/// <summary>A result failed its check.</summary>
public sealed class ValidationException(string message) : Exception(message);
