namespace Needle.Core.Checkpoints.Pickle;

/// <summary>
/// A numpy dtype as pickled: <c>numpy.dtype(code, False, True)</c> REDUCE, then BUILD with
/// <c>(3, endian, None, None, None, elsize, alignment, flags)</c>. <see cref="Code"/> is "f2", "f4", "i8", "b1" ...
/// or "bfloat16" for <c>ml_dtypes.bfloat16</c> (a numpy user type, pickled as the type object itself).
/// </summary>
public sealed class NumpyDType
{
    public const string BFloat16Code = "bfloat16";

    public NumpyDType(string code) => Code = code;

    public string Code { get; }

    /// <summary>'&lt;' little, '&gt;' big, '|' not applicable (1-byte types), '=' native.</summary>
    public char Endian { get; set; } = '=';

    public char Kind => Code == BFloat16Code ? 'f' : Code[0];

    public int ItemSize => Code == BFloat16Code ? 2 : int.Parse(Code.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);

    public bool IsBigEndian => Endian == '>' && ItemSize > 1;

    /// <summary>numpy's spelling, e.g. "&lt;f2", for messages.</summary>
    public string Str => Code == BFloat16Code ? "bfloat16" : (ItemSize == 1 ? "|" : Endian == '>' ? ">" : "<") + Code;

    public override string ToString() => Str;

    /// <summary>Parses the first argument of numpy.dtype(...) from a stream; only fixed-size numeric codes are valid.</summary>
    internal static NumpyDType Parse(object? arg)
    {
        if (arg is PyGlobal { Module: "ml_dtypes" or "ml_dtypes._ml_dtypes_ext", Name: "bfloat16" }) return new(BFloat16Code);
        if (arg is not string code || code.Length < 2)
            throw new InvalidDataException($"numpy.dtype argument {PyRepr.Of(arg)} is not a dtype code like 'f2'.");
        var endian = '=';
        if (code[0] is '<' or '>' or '=' or '|') (endian, code) = (code[0], code[1..]);
        if (code.Length < 2 || !int.TryParse(code.AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var size)
            || size is not (1 or 2 or 4 or 8 or 16))
            throw new NotSupportedException($"numpy dtype '{code}' is not supported (expected a numeric code like 'f2' or 'f4').");
        return new(code) { Endian = endian };
    }

    /// <summary>Applies the BUILD state tuple: only the byte order matters for plain numeric dtypes.</summary>
    internal void SetState(object? state)
    {
        if (state is not PyTuple { Count: >= 2 } t || t[1] is not string { Length: 1 } endian)
            throw new InvalidDataException($"numpy.dtype state {PyRepr.Of(state)} is not (version, endian, ...).");
        if (t.Count >= 3 && t[2] is not null)
            throw new NotSupportedException($"numpy dtype {Str} has sub-arrays or fields (structured dtypes are not supported).");
        if (t.Count >= 4 && t[3] is not null)
            throw new NotSupportedException($"numpy dtype {Str} is a structured dtype (named fields are not supported).");
        Endian = endian[0];
    }
}
