using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;

namespace OrthoProj.Tests.Architecture;

/// <summary>
/// The metadata tokens a method body's IL carries (calls, field accesses, type tokens, signatures),
/// for <see cref="TypeReferenceScanner"/>: what a method uses is in its IL, not its signature.
/// </summary>
/// <remarks>
/// The opcode table is built from <see cref="OpCodes"/> rather than written out, so that every opcode's
/// operand size comes from the runtime's own definition and none is skipped by a wrong length.
/// </remarks>
internal static class MethodBodyTokens
{
    private static readonly OpCode[] OneByte = new OpCode[256];
    private static readonly OpCode[] TwoByte = new OpCode[256];

    static MethodBodyTokens()
    {
        foreach (FieldInfo field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var op = (OpCode)field.GetValue(null)!;
            ushort value = unchecked((ushort)op.Value);
            if (op.Size == 1)
            {
                OneByte[value] = op;
            }
            else
            {
                TwoByte[value & 0xFF] = op;
            }
        }
    }

    /// <summary>Every token operand in <paramref name="body"/>'s IL, in order.</summary>
    public static List<EntityHandle> Read(MethodBodyBlock body)
    {
        var tokens = new List<EntityHandle>();
        BlobReader il = body.GetILReader();
        while (il.RemainingBytes > 0)
        {
            byte first = il.ReadByte();
            OpCode op = first == 0xFE ? TwoByte[il.ReadByte()] : OneByte[first];
            switch (op.OperandType)
            {
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    il.Offset += 1;
                    break;
                case OperandType.InlineVar:
                    il.Offset += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    il.Offset += 8;
                    break;
                case OperandType.InlineSwitch:
                    il.Offset += 4 * il.ReadInt32();
                    break;
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineSig or OperandType.InlineTok or OperandType.InlineType:
                    tokens.Add(MetadataTokens.EntityHandle(il.ReadInt32()));
                    break;
                default:
                    // InlineBrTarget, InlineI, InlineString, ShortInlineR.
                    il.Offset += 4;
                    break;
            }
        }

        return tokens;
    }
}
