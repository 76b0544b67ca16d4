const OpenAI = require("openai");
const c = new OpenAI();
module.exports = async (q) => c.chat.completions.create({ model: "m", messages: [[[[[[[[[[q]]]]]]]]]], max_tokens: 5, timeout: 1 });
