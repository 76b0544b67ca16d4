# café
import openai
