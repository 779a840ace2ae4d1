using Google.Protobuf;

namespace Needle.Core.Tokenization;

/// <summary>
/// Reads sentencepiece_model.proto's ModelProto with a hand-written CodedInputStream loop (no generated code).
/// Unknown fields are skipped, like the C++ parser does; unknown enum values leave the field at its default
/// (proto2 closed enums). Malformed protobuf becomes an InvalidDataException naming the file.
/// </summary>
internal static class ModelProtoReader
{
    // Wire types.
    private const int Varint = 0, Fixed32 = 5, LengthDelimited = 2;

    public static ModelProto Read(byte[] data, string nameForErrors)
    {
        try
        {
            return ReadModel(data);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw TokenizerErrors.BadModel(nameForErrors, $"malformed protobuf ({e.Message})", e);
        }
    }

    private static ModelProto ReadModel(byte[] data)
    {
        var model = new ModelProto();
        var input = new CodedInputStream(data);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag), (int)WireFormat.GetTagWireType(tag))
            {
                case (1, LengthDelimited): model.Pieces.Add(ReadPiece(input.ReadBytes())); break;
                case (2, LengthDelimited):
                    ReadTrainerSpec(input.ReadBytes(), model.TrainerSpec);
                    model.HasTrainerSpec = true;
                    break;
                case (3, LengthDelimited): ReadNormalizerSpec(input.ReadBytes(), model.NormalizerSpec); break;
                case (5, LengthDelimited):
                    model.DenormalizerSpec ??= new ProtoNormalizerSpec();
                    ReadNormalizerSpec(input.ReadBytes(), model.DenormalizerSpec);
                    break;
                default: input.SkipLastField(); break;
            }
        }
        return model;
    }

    private static ProtoPiece ReadPiece(ByteString bytes)
    {
        byte[] piece = [];
        float score = 0;
        var type = PieceType.Normal;
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag), (int)WireFormat.GetTagWireType(tag))
            {
                case (1, LengthDelimited): piece = input.ReadBytes().ToByteArray(); break;
                case (2, Fixed32): score = input.ReadFloat(); break;
                case (3, Varint):
                    var value = input.ReadEnum();
                    if (Enum.IsDefined((PieceType)value)) type = (PieceType)value;
                    break;
                default: input.SkipLastField(); break;
            }
        }
        return new ProtoPiece(piece, score, type);
    }

    private static void ReadTrainerSpec(ByteString bytes, ProtoTrainerSpec spec)
    {
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag), (int)WireFormat.GetTagWireType(tag))
            {
                case (3, Varint):
                    var modelType = input.ReadEnum();
                    if (Enum.IsDefined((SentencePieceModelType)modelType)) spec.ModelType = (SentencePieceModelType)modelType;
                    break;
                case (4, Varint): spec.VocabSize = input.ReadInt32(); break;
                case (24, Varint): spec.TreatWhitespaceAsSuffix = input.ReadBool(); break;
                case (35, Varint): spec.ByteFallback = input.ReadBool(); break;
                case (44, LengthDelimited): spec.UnkSurface = input.ReadBytes().ToByteArray(); break;
                case (45, LengthDelimited): spec.UnkPiece = input.ReadBytes().ToByteArray(); break;
                case (46, LengthDelimited): spec.BosPiece = input.ReadBytes().ToByteArray(); break;
                case (47, LengthDelimited): spec.EosPiece = input.ReadBytes().ToByteArray(); break;
                case (48, LengthDelimited): spec.PadPiece = input.ReadBytes().ToByteArray(); break;
                default: input.SkipLastField(); break;
            }
        }
    }

    private static void ReadNormalizerSpec(ByteString bytes, ProtoNormalizerSpec spec)
    {
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag), (int)WireFormat.GetTagWireType(tag))
            {
                case (1, LengthDelimited): spec.Name = input.ReadBytes().ToStringUtf8(); break;
                case (2, LengthDelimited): spec.PrecompiledCharsMap = input.ReadBytes().ToByteArray(); break;
                case (3, Varint): spec.AddDummyPrefix = input.ReadBool(); break;
                case (4, Varint): spec.RemoveExtraWhitespaces = input.ReadBool(); break;
                case (5, Varint): spec.EscapeWhitespaces = input.ReadBool(); break;
                default: input.SkipLastField(); break;
            }
        }
    }
}
