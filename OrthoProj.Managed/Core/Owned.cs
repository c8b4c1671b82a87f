namespace OrthoProj;

/// <summary>
/// Ownership on failure, in one place: what an operation allocates for its caller is released when
/// the operation throws before handing it out, so that no native or device memory leaks.
/// </summary>
internal static class Owned
{
    /// <summary>Runs <paramref name="fill"/> on <paramref name="value"/> and returns it; disposes it when fill throws.</summary>
    public static TOwned Fill<TOwned>(TOwned value, Action<TOwned> fill)
        where TOwned : IDisposable
    {
        try
        {
            fill(value);
            return value;
        }
        catch
        {
            value.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> with a list it adds what it allocates to; when body throws,
    /// everything in the list is disposed.
    /// </summary>
    public static TResult Build<TResult>(Func<List<IDisposable>, TResult> body)
    {
        var owned = new List<IDisposable>();
        try
        {
            return body(owned);
        }
        catch
        {
            owned.ForEach(x => x.Dispose());
            throw;
        }
    }

    /// <summary>Adds <paramref name="value"/> to <paramref name="owned"/> and returns it.</summary>
    public static TOwned Track<TOwned>(this List<IDisposable> owned, TOwned value)
        where TOwned : IDisposable
    {
        owned.Add(value);
        return value;
    }
}
