using System.Text.Json;
using System.Text.Json.Serialization;

namespace VideoVCReg.Runtime.IO;

/// <summary>
/// JSON has no NaN or infinity, and System.Text.Json refuses to write them: a diverged run lost its results.json to
/// "positive and negative infinity cannot be written", again on every re-run. The run files (results.json, report.json,
/// metrics.jsonl, a probe's report) write a non-finite number as null, "no value", and read null back as NaN.
/// </summary>
public static class FiniteJson
{
    /// <summary>Adds the converters to <paramref name="options"/>, for an options object built in one expression.</summary>
    public static JsonSerializerOptions NonFiniteAsNull(this JsonSerializerOptions options)
    {
        options.Converters.Add(new DoubleConverter());
        options.Converters.Add(new SingleConverter());
        return options;
    }

    sealed class DoubleConverter : JsonConverter<double>
    {
        public override bool HandleNull => true;
        public override double Read(ref Utf8JsonReader reader, Type type, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();
        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(value); else writer.WriteNullValue();
        }
    }

    sealed class SingleConverter : JsonConverter<float>
    {
        public override bool HandleNull => true;
        public override float Read(ref Utf8JsonReader reader, Type type, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? float.NaN : reader.GetSingle();
        public override void Write(Utf8JsonWriter writer, float value, JsonSerializerOptions options)
        {
            if (float.IsFinite(value)) writer.WriteNumberValue(value); else writer.WriteNullValue();
        }
    }
}
