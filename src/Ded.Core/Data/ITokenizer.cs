namespace Ded.Data;

/// <summary>Turns text into token ids, for lengths and distances measured in tokens (the tokenizer work implements it).</summary>
public interface ITokenizer
{
    IReadOnlyList<int> EncodeToIds(string text);
}
