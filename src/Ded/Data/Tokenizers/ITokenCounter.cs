namespace Ded.Data.Tokenizers;

/// <summary>Counts the tokens of a text as the student's tokenizer would (the 16k-token length filter, DED §2).</summary>
public interface ITokenCounter
{
    /// <summary>Number of token ids <paramref name="text"/> encodes to, special tokens written in it included.</summary>
    int Count(string text);
}
