namespace OrthoProj.Cpu.Batched;

/// <summary>
/// The lane primitives, one nested class per kind (Layout, Scaling, Householder, Reflectors, Triangular,
/// Products, Symmetric, Rank), over the lane vector <typeparamref name="TV"/> holding element (i, j) of
/// <c>TOps.Width</c> matrices and its arithmetic <typeparamref name="TOps"/>. The JIT specializes them per
/// width (static abstract calls on a struct type argument inline), so the generic code compiles to straight
/// Vector512/256/128 or scalar instructions. The operations (LaneQr, LaneQrBackward, LanePinv,
/// LanePinvBackward, LaneProjector) are written over them.
/// </summary>
internal static partial class Lanes<T, TV, TOps>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TV : unmanaged
    where TOps : struct, ILaneOps<TV, T>;
