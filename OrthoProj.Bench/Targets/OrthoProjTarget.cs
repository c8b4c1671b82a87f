using System.Globalization;
using System.Numerics;
using OrthoProj.Bench.Harness;

namespace OrthoProj.Bench.Targets;

/// <summary>
/// Times OrthoProj's public API on one backend, and checks each case's result once (outside the
/// timed region) so that a broken kernel cannot produce a fast-looking row: forward results by
/// identities that hold only for the right answer (Penrose conditions, normal equations, Q R = A,
/// Q^T Q = I), backward results by a float64 central finite difference of the same scalar loss along
/// a random direction.
/// </summary>
public sealed class OrthoProjTarget(Backend backend, IBenchClock clock, Backend reference, int threads)
{
    /// <summary>The backend under test.</summary>
    public Backend Backend { get; } = backend;

    /// <summary>Runs a case: inputs, validation, timing.</summary>
    public ResultRow Run(BenchCase c, RepPolicy policy, int seed) => c.Dtype == Dtype.F32
        ? Run<float>(c, policy, seed)
        : Run<double>(c, policy, seed);

    private ResultRow Run<T>(BenchCase c, RepPolicy policy, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (count, m, n, p) = c.Shape;
        using var hostA = Inputs.Uniform<T>(m, n, count, seed);
        using var hostY = Inputs.Uniform<T>(m, p, count, seed + 1);
        using MatrixBatch<T> a = Backend.FromHost(hostA);
        using MatrixBatch<T> y = Backend.FromHost(hostY);
        var cot = new Cotangents<T>(Backend, c.Shape, seed + 2);
        try
        {
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
                    return new ResultRow { CaseId = c.Id, Implementation = Implementations.OrthoProj, Status = RowStatus.Failed, Note = "validation failed", Validated = false, Validation = validation, Threads = threads };
                }

                TimingStats stats = Sampler.Run(clock, policy, call);
                return new ResultRow
                {
                    CaseId = c.Id,
                    Implementation = Implementations.OrthoProj,
                    Status = RowStatus.Ok,
                    Note = Backend.Description,
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
            return new ResultRow { CaseId = c.Id, Implementation = Implementations.OrthoProj, Status = RowStatus.Failed, Note = $"{ex.GetType().Name}: {ex.Message}", Validated = false, Threads = threads };
        }
        finally
        {
            cot.Dispose();
        }
    }

    private (Action Call, Func<string> Validate, IDisposable? State) Prepare<T>(Workload w, MatrixBatch<T> a, MatrixBatch<T> y, Cotangents<T> cot)
        where T : unmanaged, IFloatingPointIeee754<T>
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
    private static double Tol<T>() => typeof(T) == typeof(float) ? 1e-4 : 1e-9;

    private static double GradTol<T>() => typeof(T) == typeof(float) ? 1e-3 : 1e-5;

    private static string Report(string what, double err, double tol)
    {
        string s = string.Create(CultureInfo.InvariantCulture, $"{what} {err:0.0e+0} (tol {tol:0e+0})");
        return err <= tol && double.IsFinite(err) ? s : throw new ValidationException(s);
    }

    /// <summary>z = P y iff z = A x for some x and A^T (y - z) = 0; x comes from Solve (another code path).</summary>
    private string ValidateProjection<T>(MatrixBatch<T> a, MatrixBatch<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using Projector<T> pr = Backend.Projector(a);
        using MatrixBatch<T> z = pr.Project(y);
        using MatrixBatch<T> x = pr.Solve(y);
        double[] ad = Inputs.ToDouble(a), yd = Inputs.ToDouble(y), zd = Inputs.ToDouble(z), xd = Inputs.ToDouble(x);
        int m = a.Rows, n = a.Cols, p = y.Cols;
        double eRange = 0, eOrth = 0;
        for (int b = 0; b < a.Count; b++)
        {
            double normA = Dense.Norm(Dense.Slice(ad, b, m * n));
            for (int k = 0; k < p; k++)
            {
                var yk = Dense.Slice(yd, (b * p) + k, m);
                var zk = Dense.Slice(zd, (b * p) + k, m);
                var xk = Dense.Slice(xd, (b * p) + k, n);
                double ny = Dense.Norm(yk);
                eRange = Math.Max(eRange, Dense.Norm(Dense.Sub(zk, Dense.MatVec(ad, b, m, n, xk, false))) / ny);
                eOrth = Math.Max(eOrth, Dense.Norm(Dense.MatVec(ad, b, m, n, Dense.Sub(yk, zk), true)) / (normA * ny));
            }
        }

        return Report("|z - A x|/|y|", eRange, Tol<T>()) + ", " + Report("|A^T(y - z)|/(|A||y|)", eOrth, Tol<T>());
    }

    private string ValidateLeastSquares<T>(MatrixBatch<T> a, MatrixBatch<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using Projector<T> pr = Backend.Projector(a);
        using MatrixBatch<T> x = pr.Solve(y);
        double[] ad = Inputs.ToDouble(a), yd = Inputs.ToDouble(y), xd = Inputs.ToDouble(x);
        int m = a.Rows, n = a.Cols, p = y.Cols;
        double e = 0;
        for (int b = 0; b < a.Count; b++)
        {
            double normA = Dense.Norm(Dense.Slice(ad, b, m * n));
            for (int k = 0; k < p; k++)
            {
                var yk = Dense.Slice(yd, (b * p) + k, m);
                var xk = Dense.Slice(xd, (b * p) + k, n);
                double[] r = Dense.Sub(yk, Dense.MatVec(ad, b, m, n, xk, false));
                e = Math.Max(e, Dense.Norm(Dense.MatVec(ad, b, m, n, r, true)) / (normA * Dense.Norm(yk)));
            }
        }

        return Report("normal equations |A^T(y - A x)|/(|A||y|)", e, Tol<T>());
    }

    /// <summary>Q R v = A v and Q^T Q w = w for random v, w (O(m n) checks of O(m n^2) results).</summary>
    private string ValidateQr<T>(MatrixBatch<T> a)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using QrResult<T> qr = Backend.Qr(a);
        double[] ad = Inputs.ToDouble(a), qd = Inputs.ToDouble(qr.Q), rd = Inputs.ToDouble(qr.R);
        int m = a.Rows, n = a.Cols, k = Math.Min(m, n);
        var rng = new Random(7);
        double eFact = 0, eOrth = 0, eTri = 0;
        for (int b = 0; b < a.Count; b++)
        {
            double[] v = Dense.Random(n, rng), w = Dense.Random(k, rng);
            double[] av = Dense.MatVec(ad, b, m, n, v, false);
            double[] qrv = Dense.MatVec(qd, b, m, k, Dense.MatVec(rd, b, k, n, v, false), false);
            eFact = Math.Max(eFact, Dense.Norm(Dense.Sub(qrv, av)) / (Dense.Norm(Dense.Slice(ad, b, m * n)) * Dense.Norm(v)));
            double[] qtqw = Dense.MatVec(qd, b, m, k, Dense.MatVec(qd, b, m, k, w, false), true);
            eOrth = Math.Max(eOrth, Dense.Norm(Dense.Sub(qtqw, w)) / Dense.Norm(w));
            for (int j = 0; j < n; j++)
            {
                for (int i = j + 1; i < k; i++)
                {
                    eTri = Math.Max(eTri, Math.Abs(rd[(b * k * n) + (j * k) + i]));
                }
            }
        }

        return Report("|QRv - Av|/(|A||v|)", eFact, Tol<T>()) + ", " + Report("|Q^TQw - w|/|w|", eOrth, Tol<T>()) + ", " + Report("max |tril(R)|", eTri, 0);
    }

    /// <summary>Penrose conditions along random vectors: A X A v = A v and X A X u = X u.</summary>
    private string ValidatePinv<T>(MatrixBatch<T> a)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using PinvResult<T> pinv = Backend.Pinv(a);
        double[] ad = Inputs.ToDouble(a), xd = Inputs.ToDouble(pinv.Pinv);
        int m = a.Rows, n = a.Cols;
        var rng = new Random(11);
        double e1 = 0, e2 = 0;
        for (int b = 0; b < a.Count; b++)
        {
            double normA = Dense.Norm(Dense.Slice(ad, b, m * n)), normX = Dense.Norm(Dense.Slice(xd, b, m * n));
            double[] v = Dense.Random(n, rng), u = Dense.Random(m, rng);
            double[] av = Dense.MatVec(ad, b, m, n, v, false);
            double[] axav = Dense.MatVec(ad, b, m, n, Dense.MatVec(xd, b, n, m, av, false), false);
            e1 = Math.Max(e1, Dense.Norm(Dense.Sub(axav, av)) / (normA * normX * Dense.Norm(av)));
            double[] xu = Dense.MatVec(xd, b, n, m, u, false);
            double[] xaxu = Dense.MatVec(xd, b, n, m, Dense.MatVec(ad, b, m, n, xu, false), false);
            e2 = Math.Max(e2, Dense.Norm(Dense.Sub(xaxu, xu)) / (normA * normX * Dense.Norm(xu)));
        }

        return Report("|AXAv - Av|", e1, Tol<T>()) + ", " + Report("|XAXu - Xu|", e2, Tol<T>());
    }

    /// <summary>
    /// Checks &lt;gA, D&gt; (+ &lt;gy, Dy&gt;) against a central difference of the loss in float64 on the
    /// reference backend, relative to |gA| |D| / sqrt(N) (the size of a random directional derivative).
    /// </summary>
    private static string ValidateGradient<T>(MatrixBatch<T> a, MatrixBatch<T> gradA, Func<double[], double> loss, double extraAnalytic = 0, Func<double, double>? extraLoss = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double[] ad = Inputs.ToDouble(a), g = Inputs.ToDouble(gradA);
        double[] d = Dense.Random(ad.Length, new Random(13));
        const double h = 1e-6;
        double[] plus = new double[ad.Length], minus = new double[ad.Length];
        for (int i = 0; i < ad.Length; i++)
        {
            plus[i] = ad[i] + (h * d[i]);
            minus[i] = ad[i] - (h * d[i]);
        }

        double fd = (loss(plus) - loss(minus)) / (2 * h);
        if (extraLoss is not null)
        {
            fd += extraLoss(h);
        }

        double an = Dense.Dot(g, d) + extraAnalytic;
        double scale = Dense.Norm(g) * Dense.Norm(d) / Math.Sqrt(ad.Length);
        return Report("directional derivative vs float64 central difference", Math.Abs(an - fd) / Math.Max(scale, double.Epsilon), GradTol<T>());
    }

    private string ValidateProjectionGradient<T>(MatrixBatch<T> a, MatrixBatch<T> y, MatrixBatch<T> gz, ProjectorGradients<T> g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double[] yd = Inputs.ToDouble(y), gzd = Inputs.ToDouble(gz), gy = Inputs.ToDouble(g.GradY);
        double[] dy = Dense.Random(yd.Length, new Random(17));
        int m = a.Rows, n = a.Cols, count = a.Count, p = y.Cols;

        // L(A, y) = <gz, P(A) y>; linear in y, so its y-part is <gz, P dy> exactly: checked apart from A.
        double Loss(double[] ad, double[] yv)
        {
            using MatrixBatch<double> ab = reference.FromHost<double>(ad, m, n, count);
            using MatrixBatch<double> yb = reference.FromHost<double>(yv, m, p, count);
            using Projector<double> pr = reference.Projector(ab);
            using MatrixBatch<double> z = pr.Project(yb);
            return Dense.Dot(gzd, z.ToArray());
        }

        double[] a0 = Inputs.ToDouble(a);
        string gradA = ValidateGradient(a, g.GradA, ad => Loss(ad, yd));
        double fdY = Loss(a0, dy);
        double anY = Dense.Dot(gy, dy);
        double scaleY = Dense.Norm(gy) * Dense.Norm(dy) / Math.Sqrt(dy.Length);
        return "gA: " + gradA + "; gy: " + Report("<gy, dy> vs <gz, P dy>", Math.Abs(anY - fdY) / Math.Max(scaleY, double.Epsilon), GradTol<T>());
    }

    private double QrLoss<T>(double[] ad, MatrixBatch<T> a, Cotangents<T> cot)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using MatrixBatch<double> ab = reference.FromHost<double>(ad, a.Rows, a.Cols, a.Count);
        using QrResult<double> qr = reference.Qr(ab);
        return Dense.Dot(Inputs.ToDouble(cot.Q!), qr.Q.ToArray()) + Dense.Dot(Inputs.ToDouble(cot.R!), qr.R.ToArray());
    }

    private double PinvLoss<T>(double[] ad, MatrixBatch<T> a, Cotangents<T> cot)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using MatrixBatch<double> ab = reference.FromHost<double>(ad, a.Rows, a.Cols, a.Count);
        using PinvResult<double> p = reference.Pinv(ab);
        return Dense.Dot(Inputs.ToDouble(cot.X), p.Pinv.ToArray());
    }

    /// <summary>Seeded cotangents for every output shape: gz (m x p), gQ (m x k), gR (k x n), gX (n x m).</summary>
    private sealed class Cotangents<T> : IDisposable
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public Cotangents(Backend backend, BatchShape s, int seed)
        {
            int k = Math.Min(s.M, s.N);
            using var z = Inputs.Uniform<T>(s.M, s.P, s.Count, seed);
            using var q = Inputs.Uniform<T>(s.M, k, s.Count, seed + 1);
            using var r = Inputs.Uniform<T>(k, s.N, s.Count, seed + 2);

            // R's strict lower triangle is identically zero, so a cotangent there means nothing: keep gR upper.
            for (int b = 0; b < s.Count; b++)
            {
                for (int j = 0; j < s.N; j++)
                {
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
